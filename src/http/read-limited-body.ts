export type LimitedBody = { readonly text: string } | { readonly tooLarge: true; readonly bytes: number };

/**
 * A fetch Response's body as text, read chunk by chunk and given up (the stream cancelled) as soon as it passes
 * maxBytes, so an oversized answer is never held whole. A Content-Length over the limit stops before
 * reading anything.
 */
export async function readLimitedBody(response: Response, maxBytes: number): Promise<LimitedBody> {
  const declared = Number(response.headers.get('content-length'));
  if (Number.isFinite(declared) && declared > maxBytes) {
    await response.body?.cancel();
    return { tooLarge: true, bytes: declared };
  }
  if (!response.body) return { text: '' };
  const reader = response.body.getReader();
  // Decoded as it arrives: holding the chunks and a concatenated copy of them besides the text made
  // each answer live three times over at the end of the read.
  const decoder = new TextDecoder('utf-8');
  const parts: string[] = [];
  let bytes = 0;
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    bytes += value.byteLength;
    if (bytes > maxBytes) {
      await reader.cancel();
      return { tooLarge: true, bytes };
    }
    parts.push(decoder.decode(value, { stream: true }));
  }
  parts.push(decoder.decode());
  return { text: parts.join('') };
}
