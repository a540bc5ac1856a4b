/**
 * RFC 5545 3.1 folding: every line at most 75 octets (continuations count their leading space), split
 * only between code points. ical-generator's foldLines runs a TextEncoder per character, which was more
 * than half of the rendering time of a 10,000-event feed; this counts UTF-8 octets arithmetically.
 */
export function foldLines(text: string): string {
  return text
    .split('\r\n')
    .map((line) => (line.length <= 75 ? (NON_ASCII.test(line) ? foldLine(line) : line) : NON_ASCII.test(line) ? foldLine(line) : foldAsciiLine(line)))
    .join('\r\n');
}

const NON_ASCII = /[^\x00-\x7f]/;

/** An ASCII line: one octet per character, so the pieces are 75 characters, then 74 after each space. */
function foldAsciiLine(line: string): string {
  const pieces = [line.slice(0, 75)];
  for (let at = 75; at < line.length; at += 74) pieces.push(line.slice(at, at + 74));
  return pieces.join('\r\n ');
}

function foldLine(line: string): string {
  let result = '';
  let octets = 0;
  for (const char of line) {
    const codePoint = char.codePointAt(0)!;
    const size = codePoint < 0x80 ? 1 : codePoint < 0x800 ? 2 : codePoint < 0x10000 ? 3 : 4;
    if (octets + size > 75) {
      result += '\r\n ';
      octets = 1;
    }
    result += char;
    octets += size;
  }
  return result;
}
