import { PassThrough } from 'node:stream';
import { describe, expect, it, vi } from 'vitest';
import { planServedBaseUrls, runDemo } from '../../src/cli/demo-command.js';
import { parseIcsObjects } from '../../src/ical/parse-ics-objects.js';
import { createTempDir } from '../support/sync-fixture.js';

function capture(): { stream: PassThrough; text: () => string } {
  const stream = new PassThrough();
  let text = '';
  stream.on('data', (chunk: Buffer) => (text += chunk.toString()));
  return { stream, text: () => text };
}

/** Runs `demo --serve` until the returned stop() is called. */
async function serveDemo(host: string, dir: string) {
  const out = capture();
  let stop = (): void => undefined;
  const stopped = new Promise<void>((resolve) => (stop = resolve));
  const run = runDemo({ appointments: '150', seed: '4', dir, port: '0', host, serve: true }, out.stream, () => stopped);
  await vi.waitFor(() => expect(out.text()).toContain('Ctrl-C stops'), { timeout: 60_000, interval: 50 });
  return { out, stop, run };
}

const feedUrls = (text: string): string[] => [...text.matchAll(/^ {2}(http:\/\/\S+\/feeds\/demo\.ics\?token=\S+)$/gm)].map((m) => m[1]!);

describe('onoffice-sync demo --serve', () => {
  it('serves the printed URLs while it runs, explains the counts, and stops on request', async () => {
    const temp = createTempDir('oos-demo-serve-');
    try {
      const { out, stop, run } = await serveDemo('127.0.0.1', temp.dir);
      const text = out.text();
      const urls = feedUrls(text);
      expect(urls).toHaveLength(1);
      expect(text).toContain(urls[0]!.replace('http://', 'webcal://'));
      const printed = Number(/feed: HTTP 200, (\d+) events/.exec(text)![1]);
      const explained = /the feed leaves out (\d+) cancelled \(includeCancelled: false\) and (\d+) wholly outside its window \S+ – \S+ \(pastDays 365, futureDays 730\): 150 − \1 − \2 = (\d+)/.exec(text);
      expect(explained, text).not.toBeNull();
      expect(Number(explained![3])).toBe(printed);
      expect(Number(explained![1])).toBeGreaterThan(0);
      expect(text).toMatch(/export: 150 events/);

      const response = await fetch(urls[0]!);
      expect(response.status).toBe(200);
      expect(parseIcsObjects(await response.text())).toHaveLength(printed);
      const pathForm = urls[0]!.replace(/\.ics\?token=(.+)$/, '/$1.ics');
      expect((await fetch(pathForm)).status).toBe(200);

      stop();
      expect(await run).toBe(0);
      await expect(fetch(urls[0]!)).rejects.toThrow();
    } finally {
      temp.remove();
    }
  }, 90_000);

  it('with --host 0.0.0.0 prints a URL per address of this machine, and each one answers', async () => {
    const temp = createTempDir('oos-demo-serve-');
    try {
      const { out, stop, run } = await serveDemo('0.0.0.0', temp.dir);
      const urls = feedUrls(out.text());
      expect(urls[0]).toMatch(/^http:\/\/127\.0\.0\.1:\d+\//);
      expect(urls.filter((url) => url.includes('0.0.0.0'))).toEqual([]);
      for (const url of urls) expect((await fetch(url)).status, url).toBe(200);
      stop();
      expect(await run).toBe(0);
    } finally {
      temp.remove();
    }
  }, 90_000);

  it('lists the interface addresses for a wildcard host, and the listen URL otherwise', () => {
    const interfaces = {
      eth0: [
        { address: '192.168.1.20', family: 'IPv4', internal: false, netmask: '', mac: '', cidr: null },
        { address: 'fe80::1', family: 'IPv6', internal: false, netmask: '', mac: '', cidr: null, scopeid: 2 },
      ],
      lo: [{ address: '127.0.0.1', family: 'IPv4', internal: true, netmask: '', mac: '', cidr: null }],
    } as unknown as Parameters<typeof planServedBaseUrls>[2];
    expect(planServedBaseUrls('http://0.0.0.0:8787', '0.0.0.0', interfaces)).toEqual(['http://127.0.0.1:8787', 'http://192.168.1.20:8787']);
    expect(planServedBaseUrls('http://192.168.1.20:8787', '192.168.1.20', interfaces)).toEqual(['http://192.168.1.20:8787']);
    expect(planServedBaseUrls('http://[::]:8787', '::', interfaces)).toContain('http://[fe80::1]:8787');
  });
});
