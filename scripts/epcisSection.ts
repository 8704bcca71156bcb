/**
 * The EPCIS RECORDS section of urchain-formats(5): how an EPCIS 2.0 event becomes a record (its
 * metadata, the identifier keys, the index), and the CBV 2.0 event hash id with a vector from the
 * reference implementation's examples (test/vectors/epcis/reference), computed here by
 * src/epcis and checked against the published id, so the page cannot show a wrong one.
 */
import fs from 'node:fs';
import path from 'node:path';
import { root } from '../support/paths.js';
import { readEpcis } from '../src/epcis/document.js';
import { preHashString, eventHashId } from '../src/epcis/hash.js';
import { eventRecord, isRefused } from '../src/epcis/record.js';

/** Unfilled text with roff's special characters escaped. */
const text = (s: string) =>
  `.IP\n.nf\n${s
    .split('\n')
    .map((l) => l.replace(/\\/g, '\\e').replace(/-/g, '\\-'))
    .map((l) => (/^[.']/.test(l) ? `\\&${l}` : l))
    .join('\n')}\n.fi`;
/** A long line cut into pieces of `w` characters (the pre-hash string has no spaces to break at). */
const cut = (s: string, w = 72) => s.match(new RegExp(`.{1,${w}}`, 'g'))!.join('\n');

export function epcisSection(): string {
  const dir = path.join(root, 'test', 'vectors', 'epcis', 'reference');
  const name = 'epcisDocWithSingleEvent';
  const doc = readEpcis(fs.readFileSync(path.join(dir, `${name}.jsonld`)));
  const published = fs.readFileSync(path.join(dir, `${name}.hashes`), 'utf8').trim();
  const [ev] = doc.events;
  const id = eventHashId(ev.event, doc);
  if (id !== published) throw new Error(`epcisSection: ${name}: computed ${id}, published ${published}`);
  const rec = eventRecord(ev, doc);
  if (isRefused(rec)) throw new Error(`epcisSection: ${name} refused`);
  const meta = Object.entries(rec.meta)
    .sort(([a], [b]) => (a < b ? -1 : 1))
    .map(([k, v]) => `${k.padEnd(17)} ${v}`)
    .join('\n');
  return `.SH EPCIS RECORDS
.PP
\\fBurchain ingest epcis\\fR(1) takes GS1 EPCIS 2.0 JSON / JSON\\-LD (an EPCISDocument, an
EPCISQueryDocument or a single event) and makes one record per event: kind \\fBepcis\\fR, payload
the event's bytes exactly as they stand in the input (from its opening { to its closing }, as
UTF\\-8; the document around it is not stored), and this metadata:
${text(`epcis.hash         the CBV 2.0 event hash id: ni:///sha-256;<64 hex>?ver=CBV2.0
epcis.type         ObjectEvent | AggregationEvent | TransactionEvent |
                   TransformationEvent | AssociationEvent
epcis.time         eventTime in UTC with milliseconds, e.g. 2022-02-17T02:33:31.116Z
epcis.bizStep      the bizStep as a web vocabulary URI (absent when the event has none)
epcis.disposition  the disposition likewise
type               application/ld+json
id.0000 ...        every identifier the event names, one entry each, as index keys`)}
.PP
The identifiers an event names: epcList, childEPCs, inputEPCList, outputEPCList, parentID, the
epcClass of every quantity list, readPoint and bizLocation ids, sources and destinations. At most
1000 per event; entries are numbered from id.0000 without gaps (four digits, so byte order is
number order).
.PP
\\fBIdentifier keys.\\fR A GS1 identifier, as an EPC URN (pure identity urn:epc:id:sgtin, sscc,
sgln, grai, giai, gsrn, gsrnp, gdti, cpi, sgcn, ginc, gsin, itip, upui, pgln; class
urn:epc:class:lgtin; pattern urn:epc:idpat:sgtin, grai, gdti, sgcn, cpi, itip, upui) or as a GS1
Digital Link URI on any host, is keyed by its canonical Digital Link URI: host id.gs1.org, https,
AIs instead of short names (gtin = 01, ser = 21, lot = 10, ...), a GTIN padded to 14 digits, no
query or fragment, no CPV (AI 22), and only the finest level (a serial wins over a lot). From a
URN the digits before the first dot are the GS1 company prefix; they place the indicator (or
extension) digit and the check digit is computed (GS1 General Specifications 7.9.1).
urn:epc:id:sgtin:4012345.011111.987 and https://example.com/01/04012345111118/21/987 are both
https://id.gs1.org/01/04012345111118/21/987. Any other identifier is its own text.
.PP
\\fBThe index.\\fR The products index (store bucket \\fBproducts\\fR) holds one row (key, txId) per
key a core's metadata calls for: \\fBproduct\\fR as written (plain records work as before), every
\\fBid.NNNN\\fR value, and \\fBepcis.hash\\fR. Every node derives these rows from the signed core,
for records it takes in and for batches it receives, and \\fBurchain audit\\fR checks that each is
there. \\fBurchain trace\\fR CODE looks up CODE and, for a GS1 identifier, its key. An event whose
hash id is in the index is a duplicate: the node answers with the receipt of the record that holds
it (the idempotency key of an EPCIS record is \\fBepcis:\\fR followed by its hash id).
.PP
\\fBWhat a node checks.\\fR A node takes a record of kind \\fBepcis\\fR only when its payload is one
valid EPCIS 2.0 event and epcis.type, epcis.time, epcis.bizStep, epcis.disposition and the
id.NNNN entries are exactly what that event gives (no identifier it does not name), and
epcis.hash has the form above. It recomputes the hash of an event that needs nothing from its
document (no extension field, no compact \\fIprefix\\fR:value other than a URN or URL) and refuses
a record whose epcis.hash is not that event's (it would make another event a duplicate); an
event with extension fields or compact values may hash with the namespaces and ignoreFields its
document declared, which the payload does not carry, so its epcis.hash is taken as sent. A record
of any other kind with an epcis.* metadata entry is refused. An event naming more than 1000
identifiers, or one over 1024 bytes, is refused by \\fBurchain ingest epcis\\fR with its path. A payload encrypted before it left (meta \\fBenc\\fR) is not
checked. Every refusal is BAD_INPUT (HTTP 400, exit 2); for a record of kind epcis the message starts
"epcis record:" and names what differs.
.PP
\\fBThe event hash id\\fR (CBV 2.0, section 8.9; as the public reference implementation
github.com/RalphTro/epcis\\-event\\-hash\\-generator computes it) is SHA\\-256 over the UTF\\-8 bytes
of the event's pre\\-hash string: "eventType=" and the type, then the fields in the order eventTime,
eventTimeZoneOffset, certificationInfo, parentID, epcList, inputEPCList, childEPCs, quantityList,
childQuantityList, inputQuantityList, outputEPCList, outputQuantityList, action, transformationID,
bizStep, disposition, persistentDisposition (set, unset), readPoint (id), bizLocation (id),
sensorElementList (sensorMetadata, then each sensorReport, each in the standard's field order),
each as name=value, a list as its name followed by its elements (sorted as strings), a quantity
element as quantityElement with epcClass, quantity, uom; then the remaining fields (business
transactions, sources, destinations, ilmd, user extensions), sorted as strings, a business
transaction, source or destination as type then value. eventID, recordTime, errorDeclaration and
comments are not hashed. Values: timestamps in UTC with milliseconds (rounded half to even),
numbers without sign, leading or trailing zeros, old CBV URNs as web vocabulary URIs, bare CBV
values expanded by the EPCIS 2.0 JSON\\-LD context (which ships with urchain: nothing is fetched),
GS1 identifiers as their keys (above), user extension names as {namespace}name with the namespace
the document's @context declares.
.PP
Vector (${name}.jsonld of the reference implementation, MIT), the event:
${text(JSON.stringify(ev.event, null, 1))}
.PP
Its pre\\-hash string (one line, cut here every 72 characters):
${text(cut(preHashString(ev.event, doc)))}
.PP
Its hash id:
${text(id)}
.PP
Its record's metadata:
${text(meta)}
`;
}
