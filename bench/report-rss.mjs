// Preloaded into a child (`node --import ./bench/report-rss.mjs dist/cli/main.js …`): on exit it writes
// the process's peak resident set size to $BENCH_RSS_FILE, so the benchmark reads the CLI's own figure.
import { writeFileSync } from 'node:fs';

process.on('exit', () => {
  if (process.env.BENCH_RSS_FILE) writeFileSync(process.env.BENCH_RSS_FILE, JSON.stringify({ maxRssKb: process.resourceUsage().maxRSS }));
});
