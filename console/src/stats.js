// Figures for the statistics pages. The services' own aggregates (rankings, proposal statistics)
// are used as they come; where a service only lists records, the figures are summed here from
// what it lists for the caller, page by page up to LIST_CAP records. What a role may see is the
// services' decision: nothing here widens or narrows it.
import { beijing } from './format.js';
import { unitName } from './session.js';

export { LIST_CAP, listAll } from './api.js';

// "YYYY-MM" of a timestamp in Beijing time, or ''.
export const monthOf = (ts) => beijing(ts).slice(0, 7);

// The months of `year` up to today's ("YYYY-MM-DD") month: a chart's time axis.
export function monthsOf(year, today) {
  const y = String(year);
  const last = y === today.slice(0, 4) ? Number(today.slice(5, 7)) : y < today.slice(0, 4) ? 12 : 0;
  return Array.from({ length: last }, (_, i) => `${y}-${String(i + 1).padStart(2, '0')}`);
}

// A table of rows keyed by unit: row(unit) creates the unit's row with the given zero columns.
function byUnit(zero) {
  const rows = new Map();
  const row = (unit, name) => {
    if (!rows.has(unit)) rows.set(unit, { key: unit, name: name || unitName(unit), ...zero });
    return rows.get(unit);
  };
  return { row, rows: () => [...rows.values()] };
}

const CARDS = ['blue', 'yellow', 'red'];

// 督查督办 by lead unit: tasks open now, open past their due date (today, "YYYY-MM-DD", in
// Beijing), and the warning cards (亮牌) issued to the unit. Cancelled tasks count nowhere (as in
// the supervision notice); a card counts for the unit it went to, also after a reassignment.
export function taskFigures(tasks, today) {
  const { row, rows } = byUnit({ open: 0, overdue: 0, blue: 0, yellow: 0, red: 0 });
  for (const t of tasks) {
    if (t.state === 'TASK_STATE_CANCELLED') continue;
    if (t.state !== 'TASK_STATE_CLOSED') {
      const r = row(t.lead_unit);
      r.open += 1;
      if (t.due_date && t.due_date < today) r.overdue += 1;
    }
    for (const w of t.warnings ?? []) {
      if (CARDS.includes(w.rung)) row(w.unit || t.lead_unit)[w.rung] += 1;
    }
  }
  return rows().sort((a, b) => b.overdue - a.overdue || b.red - a.red || b.yellow - a.yellow ||
    b.blue - a.blue || b.open - a.open || a.key.localeCompare(b.key));
}

export const LEVELS = [
  ['LEVEL_COUNTY', 'county', '县级'], ['LEVEL_CITY', 'city', '市级'],
  ['LEVEL_PROVINCE', 'province', '省级'], ['LEVEL_CENTRAL', 'central', '中央'],
];

// Reports adopted in `year` by submitting unit and adoption level. An adopted report changes no
// more, so its last update is its adoption.
export function adoptionFigures(reports, year) {
  const { row, rows } = byUnit({ county: 0, city: 0, province: 0, central: 0, total: 0 });
  for (const r of reports) {
    if (r.state !== 'REPORT_STATE_ADOPTED' || !monthOf(r.update_time).startsWith(`${year}-`)) continue;
    const level = LEVELS.find(([v]) => v === r.adoption_level)?.[1] ?? 'county';
    const x = row(r.unit_id);
    x[level] += 1;
    x.total += 1;
  }
  return rows().sort((a, b) => b.total - a.total || a.key.localeCompare(b.key));
}

// Per month of `months`: reports submitted and adopted, tasks assigned and closed (销号).
// Either list may be null (the caller may not read it): its columns are then left out.
export function trendFigures(months, reports, tasks) {
  const rows = new Map(months.map((m) => [m, { key: m, name: `${Number(m.slice(5))}月`,
    submitted: 0, adopted: 0, assigned: 0, closed: 0 }]));
  const add = (ts, col) => {
    const r = rows.get(monthOf(ts));
    if (r) r[col] += 1;
  };
  for (const r of reports ?? []) {
    if (r.submit_time) add(r.submit_time, 'submitted');
    if (r.state === 'REPORT_STATE_ADOPTED') add(r.update_time, 'adopted');
  }
  for (const t of tasks ?? []) {
    add(t.assign_time, 'assigned');
    if (t.state === 'TASK_STATE_CLOSED') add(t.close_time, 'closed');
  }
  return [...rows.values()];
}

export const SATISFACTION = [
  ['SATISFACTION_SATISFIED', 'satisfied', '满意'], ['SATISFACTION_BASICALLY', 'basically', '基本满意'],
  ['SATISFACTION_UNSATISFIED', 'unsatisfied', '不满意'],
];

// Ratings (满意/基本满意/不满意) by handling unit: a rating counts for each unit that replied in
// the round it rates; every round's ratings count.
export function satisfactionFigures(proposals) {
  const { row, rows } = byUnit({ satisfied: 0, basically: 0, unsatisfied: 0, total: 0 });
  for (const p of proposals) {
    for (const rating of p.ratings ?? []) {
      const col = SATISFACTION.find(([v]) => v === rating.satisfaction)?.[1];
      if (!col) continue;
      const units = (p.handlings ?? []).filter((h) => [h.reply, ...(h.earlier_replies ?? [])]
        .some((x) => x?.reply_class && x.round === rating.round));
      for (const h of new Map(units.map((u) => [u.unit, u])).values()) {
        const x = row(h.unit, h.unit_name);
        x[col] += 1;
        x.total += 1;
      }
    }
  }
  return rows().sort((a, b) => b.unsatisfied - a.unsatisfied || b.total - a.total || a.key.localeCompare(b.key));
}

// A/B/C reply classes by handling unit, from the proposals service's statistics.
export function classFigures(stats) {
  return (stats?.by_unit ?? [])
    .map((f) => ({ key: f.key, name: f.name || unitName(f.key), a: f.class_a, b: f.class_b, c: f.class_c,
      total: f.class_a + f.class_b + f.class_c }))
    .filter((r) => r.total > 0)
    .sort((a, b) => b.total - a.total || a.key.localeCompare(b.key));
}

// "87.5%" of a rate, or "—" when nothing was counted.
export const percent = (rate, of) => (of ? `${(rate * 100).toFixed(1)}%` : '—');

// A horizontal bar chart (units down the side, long Chinese names readable on a phone): one bar
// per series, stacked when `stack`.
export function barOption(rows, series, { stack = false } = {}) {
  return {
    animation: false,
    tooltip: { trigger: 'axis', axisPointer: { type: 'shadow' } },
    legend: { top: 0, type: 'scroll' },
    grid: { left: 8, right: 24, top: 36, bottom: 8 },
    xAxis: { type: 'value', minInterval: 1 },
    yAxis: { type: 'category', inverse: true, data: rows.map((r) => r.name),
      axisLabel: { width: 112, overflow: 'truncate' } },
    series: series.map(([key, name, color]) => ({
      name, type: 'bar', stack: stack ? 'all' : undefined, barMaxWidth: 16,
      itemStyle: { color }, data: rows.map((r) => r[key]),
    })),
  };
}

// Height for a bar chart of `n` units.
export const barHeight = (n, per = 1) => `${Math.max(200, 56 + n * Math.max(22, per * 14))}px`;
