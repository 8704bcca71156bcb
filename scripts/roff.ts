/** Pieces the format man pages share. */

/** Hex in lines of `w` digits ("(empty)" for none). */
export const wrapHex = (hex: string, w = 64): string => (hex.match(new RegExp(`.{1,${w}}`, 'g')) ?? ['(empty)']).join('\n');

/** A labelled test vector: the label, then the hex indented and unfilled. */
export const hexBlock = (label: string, hex: string): string => `.PP\n${label}:\n.IP\n.nf\n${wrapHex(hex)}\n.fi`;
