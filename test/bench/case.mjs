// Runs one bench case module in this process and prints one JSON line per result, with peak RSS.
// A case module exports `run()` returning an array of { name, value, unit, target?, ...extra }.
import { pathToFileURL } from 'node:url';

const mod = await import(pathToFileURL(process.argv[2]).href);
const results = await mod.run();
const peak = Math.round(process.resourceUsage().maxRSS / 1024);
for (const r of results) console.log(JSON.stringify({ ...r, peak_rss_mb: r.peak_rss_mb ?? peak }));
