// An independent checker of urchain's C2SP output, written against Go's reference
// implementation (golang.org/x/mod/sumdb/note and sumdb/tlog, as Debian packages them) and the
// standard library's crypto/ed25519. Built offline by test/transparency/goCross.test.ts.
//
// Input (stdin): JSON with checkpoints (signed notes with a log verifier key and cosigners),
// inclusion proofs, consistency proofs and tlog-proof texts. Output (stdout): JSON with one
// string per item in the same order, "" when it verifies, else Go's error.
package main

import (
	"bytes"
	"crypto/ed25519"
	"crypto/sha256"
	"encoding/base64"
	"encoding/binary"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"strconv"
	"strings"

	"golang.org/x/mod/sumdb/note"
	"golang.org/x/mod/sumdb/tlog"
)

type cosigner struct {
	Name string `json:"name"`
	Key  string `json:"key"` // base64 Ed25519 public key
}

type checkpoint struct {
	Note      string     `json:"note"`
	VKey      string     `json:"vkey"`
	Cosigners []cosigner `json:"cosigners"`
	Cosigs    int        `json:"cosigs"` // cosignatures that must verify
}

type inclusion struct {
	Size  int64    `json:"size"`
	Root  string   `json:"root"`
	Index int64    `json:"index"`
	Leaf  string   `json:"leaf"` // the entry (a block hash); Go computes the leaf hash
	Proof []string `json:"proof"`
}

type consistency struct {
	Old     int64    `json:"old"`
	OldRoot string   `json:"oldRoot"`
	Size    int64    `json:"size"`
	Root    string   `json:"root"`
	Proof   []string `json:"proof"`
}

type proofText struct {
	Text      string     `json:"text"`
	VKey      string     `json:"vkey"`
	Entry     string     `json:"entry"` // the block hash the index must hold
	Cosigners []cosigner `json:"cosigners"`
	Cosigs    int        `json:"cosigs"`
}

type input struct {
	Checkpoints []checkpoint  `json:"checkpoints"`
	Inclusion   []inclusion   `json:"inclusion"`
	Consistency []consistency `json:"consistency"`
	Proofs      []proofText   `json:"proofs"`
}

// cosigVerifier verifies c2sp.org/tlog-cosignature cosignature/v1 lines as a note.Verifier.
type cosigVerifier struct {
	name string
	hash uint32
	key  ed25519.PublicKey
}

func newCosigVerifier(c cosigner) (*cosigVerifier, error) {
	k, err := base64.StdEncoding.DecodeString(c.Key)
	if err != nil || len(k) != ed25519.PublicKeySize {
		return nil, errors.New("bad cosigner key")
	}
	h := sha256.Sum256(append(append([]byte(c.Name+"\n"), 0x04), k...))
	return &cosigVerifier{c.Name, binary.BigEndian.Uint32(h[:4]), k}, nil
}

func (v *cosigVerifier) Name() string    { return v.name }
func (v *cosigVerifier) KeyHash() uint32 { return v.hash }
func (v *cosigVerifier) Verify(msg, sig []byte) bool {
	if len(sig) != 8+ed25519.SignatureSize {
		return false
	}
	t := binary.BigEndian.Uint64(sig[:8])
	m := append([]byte("cosignature/v1\ntime "+strconv.FormatUint(t, 10)+"\n"), msg...)
	return ed25519.Verify(v.key, m, sig[8:])
}

func hashOf(s string) (tlog.Hash, error) {
	var h tlog.Hash
	b, err := base64.StdEncoding.DecodeString(s)
	if err != nil || len(b) != 32 {
		return h, errors.New("bad hash")
	}
	copy(h[:], b)
	return h, nil
}

func hashes(list []string) ([]tlog.Hash, error) {
	out := make([]tlog.Hash, len(list))
	for i, s := range list {
		h, err := hashOf(s)
		if err != nil {
			return nil, err
		}
		out[i] = h
	}
	return out, nil
}

// openCheckpoint opens a note with the log key and the cosigners, checks that the log and
// `cosigs` cosigners signed, and parses the C2SP checkpoint body.
func openCheckpoint(text, vkey string, cosigners []cosigner, cosigs int) (origin string, size int64, root tlog.Hash, err error) {
	logV, err := note.NewVerifier(vkey)
	if err != nil {
		return "", 0, root, err
	}
	vs := []note.Verifier{logV}
	for _, c := range cosigners {
		v, err := newCosigVerifier(c)
		if err != nil {
			return "", 0, root, err
		}
		vs = append(vs, v)
	}
	n, err := note.Open([]byte(text), note.VerifierList(vs...))
	if err != nil {
		return "", 0, root, err
	}
	logSigned, cos := false, 0
	for _, s := range n.Sigs {
		if s.Name == logV.Name() && s.Hash == logV.KeyHash() {
			logSigned = true
		} else {
			cos++
		}
	}
	if !logSigned {
		return "", 0, root, errors.New("not signed by the log key")
	}
	if cos != cosigs {
		return "", 0, root, fmt.Errorf("%d cosignatures verified, expected %d", cos, cosigs)
	}
	lines := strings.Split(strings.TrimSuffix(n.Text, "\n"), "\n")
	if len(lines) < 3 {
		return "", 0, root, errors.New("checkpoint: fewer than 3 lines")
	}
	size, err = strconv.ParseInt(lines[1], 10, 64)
	if err != nil || size < 0 || strconv.FormatInt(size, 10) != lines[1] {
		return "", 0, root, errors.New("checkpoint: bad size")
	}
	root, err = hashOf(lines[2])
	return lines[0], size, root, err
}

func checkProofText(p proofText) error {
	t := p.Text
	if !strings.HasPrefix(t, "c2sp.org/tlog-proof@v1\n") {
		return errors.New("not a tlog-proof")
	}
	i := strings.Index(t, "\n\n")
	if i < 0 {
		return errors.New("no blank line")
	}
	head := strings.Split(t[:i], "\n")[1:]
	if len(head) > 0 && strings.HasPrefix(head[0], "extra ") {
		if _, err := base64.StdEncoding.DecodeString(head[0][6:]); err != nil {
			return err
		}
		head = head[1:]
	}
	if len(head) == 0 || !strings.HasPrefix(head[0], "index ") {
		return errors.New("no index line")
	}
	index, err := strconv.ParseInt(head[0][6:], 10, 64)
	if err != nil {
		return err
	}
	proof, err := hashes(head[1:])
	if err != nil {
		return err
	}
	_, size, root, err := openCheckpoint(t[i+2:], p.VKey, p.Cosigners, p.Cosigs)
	if err != nil {
		return err
	}
	entry, err := base64.StdEncoding.DecodeString(p.Entry)
	if err != nil {
		return err
	}
	return tlog.CheckRecord(proof, size, root, index, tlog.RecordHash(entry))
}

func errText(err error) string {
	if err == nil {
		return ""
	}
	if err.Error() == "" {
		return "error"
	}
	return err.Error()
}

func main() {
	var in input
	dec := json.NewDecoder(os.Stdin)
	dec.DisallowUnknownFields()
	if err := dec.Decode(&in); err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(2)
	}
	out := map[string][]string{"checkpoints": {}, "inclusion": {}, "consistency": {}, "proofs": {}}
	for _, c := range in.Checkpoints {
		_, _, _, err := openCheckpoint(c.Note, c.VKey, c.Cosigners, c.Cosigs)
		out["checkpoints"] = append(out["checkpoints"], errText(err))
	}
	for _, c := range in.Inclusion {
		err := func() error {
			root, err := hashOf(c.Root)
			if err != nil {
				return err
			}
			p, err := hashes(c.Proof)
			if err != nil {
				return err
			}
			entry, err := base64.StdEncoding.DecodeString(c.Leaf)
			if err != nil {
				return err
			}
			return tlog.CheckRecord(p, c.Size, root, c.Index, tlog.RecordHash(entry))
		}()
		out["inclusion"] = append(out["inclusion"], errText(err))
	}
	for _, c := range in.Consistency {
		err := func() error {
			r1, err := hashOf(c.OldRoot)
			if err != nil {
				return err
			}
			r2, err := hashOf(c.Root)
			if err != nil {
				return err
			}
			p, err := hashes(c.Proof)
			if err != nil {
				return err
			}
			return tlog.CheckTree(p, c.Size, r2, c.Old, r1)
		}()
		out["consistency"] = append(out["consistency"], errText(err))
	}
	for _, p := range in.Proofs {
		out["proofs"] = append(out["proofs"], errText(checkProofText(p)))
	}
	var b bytes.Buffer
	enc := json.NewEncoder(&b)
	enc.SetEscapeHTML(false)
	if err := enc.Encode(out); err != nil {
		os.Exit(2)
	}
	os.Stdout.Write(b.Bytes())
}
