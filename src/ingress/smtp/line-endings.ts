// RFC 5321 §2.3.8: in SMTP a line ends with CRLF, and a bare CR or LF must not be taken for
// one. Servers that disagree on this are what SMTP smuggling exploits (a "\n.\n" that one
// server reads as the end of DATA and the next one as text), so message data with any CR or
// LF that is not part of a CRLF pair is refused outright instead of being passed on.
// NUL is refused too (RFC 5321 §4.1.1.4 and RFC 6152: message data is text without NUL): a
// next hop that drops NULs would read `\r\n\0.\r\n` as the end of the data and run what
// follows as commands, the same smuggling by another byte.

const CR = 0x0d;
const LF = 0x0a;
const NUL = 0x00;

/** Scans DATA chunk by chunk (a CRLF may straddle two chunks) for a NUL or a bare CR or LF. */
export class LineEndingScanner {
  private lastWasCR = false;
  private offset = 0;
  /** The first offending byte and its offset in the message, once found. */
  bare: { readonly kind: 'CR' | 'LF' | 'NUL'; readonly offset: number } | undefined;

  feed(chunk: Buffer): void {
    if (this.bare || chunk.length === 0) {
      this.offset += chunk.length;
      return;
    }
    const nul = chunk.indexOf(NUL);
    if (nul >= 0) return this.found('NUL', this.offset + nul, chunk.length);
    // A CR at the end of the previous chunk needs an LF right here.
    if (this.lastWasCR && chunk[0] !== LF) return this.found('CR', this.offset - 1, chunk.length);
    for (let i = chunk.indexOf(LF); i >= 0; i = chunk.indexOf(LF, i + 1)) {
      const before = i === 0 ? (this.lastWasCR ? CR : -1) : chunk[i - 1];
      if (before !== CR) return this.found('LF', this.offset + i, chunk.length);
    }
    for (let i = chunk.indexOf(CR); i >= 0; i = chunk.indexOf(CR, i + 1)) {
      if (i === chunk.length - 1) break;
      if (chunk[i + 1] !== LF) return this.found('CR', this.offset + i, chunk.length);
    }
    this.lastWasCR = chunk[chunk.length - 1] === CR;
    this.offset += chunk.length;
  }

  /** Call at the end of the data: a final CR with no LF after it is bare too. */
  end(): void {
    if (!this.bare && this.lastWasCR) this.bare = { kind: 'CR', offset: this.offset - 1 };
  }

  private found(kind: 'CR' | 'LF' | 'NUL', offset: number, chunkLength: number): void {
    this.bare = { kind, offset };
    this.offset += chunkLength;
  }
}
