// The PNG chart: p50 / p95 / p99 per scenario and concurrency, horizontal bars on a log scale.
import { writeFileSync } from "node:fs";
import { createCanvas, GlobalFonts } from "@napi-rs/canvas";
import type { Stats } from "./harness.ts";

const fontFile = "/usr/share/fonts/truetype/dejavu/DejaVuSans.ttf";

export async function drawChart(file: string, results: Record<string, Record<string, Stats>>, title: string): Promise<void> {
  try {
    GlobalFonts.registerFromPath(fontFile, "DejaVu Sans");
  } catch {
    // the default font then
  }
  const rows: { label: string; s: Stats }[] = [];
  for (const [name, byC] of Object.entries(results)) {
    for (const [c, s] of Object.entries(byC)) rows.push({ label: `${name} (${c === "db" ? "in db" : `c=${c.slice(1)}`})`, s });
  }
  const rowH = 34;
  const left = 330;
  const width = 1200;
  const top = 70;
  const height = top + rows.length * rowH + 60;
  const canvas = createCanvas(width, height);
  const g = canvas.getContext("2d");
  g.fillStyle = "#ffffff";
  g.fillRect(0, 0, width, height);
  g.fillStyle = "#111111";
  g.font = "16px 'DejaVu Sans'";
  g.fillText(title, 16, 26);
  const all = rows.flatMap((r) => [r.s.p50_ms, r.s.p99_ms]).filter((x) => x > 0);
  const lo = Math.log10(Math.min(...all, 0.1) * 0.8);
  const hi = Math.log10(Math.max(...all, 1) * 1.2);
  const plotW = width - left - 40;
  const x = (v: number) => left + ((Math.log10(Math.max(v, 1e-3)) - lo) / (hi - lo)) * plotW;
  g.font = "11px 'DejaVu Sans'";
  for (let e = Math.floor(lo); e <= Math.ceil(hi); e++) {
    for (const m of [1, 2, 5]) {
      const v = m * 10 ** e;
      if (Math.log10(v) < lo || Math.log10(v) > hi) continue;
      g.strokeStyle = m === 1 ? "#bbbbbb" : "#e6e6e6";
      g.beginPath();
      g.moveTo(x(v), top - 10);
      g.lineTo(x(v), top + rows.length * rowH);
      g.stroke();
      g.fillStyle = "#555555";
      g.fillText(`${v} ms`, x(v) - 12, top + rows.length * rowH + 16);
    }
  }
  const colors = { p50: "#2b6cb0", p95: "#dd8a2b", p99: "#c53030" };
  rows.forEach((r, i) => {
    const y = top + i * rowH;
    g.fillStyle = "#111111";
    g.font = "12px 'DejaVu Sans'";
    g.fillText(r.label, 10, y + 20);
    const bars: [keyof typeof colors, number][] = [
      ["p50", r.s.p50_ms],
      ["p95", r.s.p95_ms],
      ["p99", r.s.p99_ms],
    ];
    bars.forEach(([k, v], j) => {
      g.fillStyle = colors[k];
      g.fillRect(left, y + 4 + j * 9, Math.max(1, x(v) - left), 8);
    });
    g.fillStyle = "#333333";
    g.font = "10px 'DejaVu Sans'";
    g.fillText(`${r.s.p50_ms} / ${r.s.p95_ms} / ${r.s.p99_ms} ms`, Math.min(width - 150, x(r.s.p99_ms) + 6), y + 22);
  });
  g.font = "12px 'DejaVu Sans'";
  let lx = left;
  for (const [k, c] of Object.entries(colors)) {
    g.fillStyle = c;
    g.fillRect(lx, 40, 14, 10);
    g.fillStyle = "#111111";
    g.fillText(k, lx + 18, 50);
    lx += 70;
  }
  writeFileSync(file, canvas.toBuffer("image/png"));
}
