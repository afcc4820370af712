// Display rules: Beijing time, Chinese names for enum values (from the .proto comments).
import labels from './generated/enums.json';

const timeFormat = new Intl.DateTimeFormat('zh-CN', {
  timeZone: 'Asia/Shanghai', year: 'numeric', month: '2-digit', day: '2-digit',
  hour: '2-digit', minute: '2-digit', hour12: false,
});

// "2026-11-23 08:10" in Beijing time for an RFC 3339 timestamp; "" when unset.
export function beijing(ts) {
  if (!ts) return '';
  const d = new Date(ts);
  if (Number.isNaN(d.getTime())) return '';
  const p = Object.fromEntries(timeFormat.formatToParts(d).map((x) => [x.type, x.value]));
  return `${p.year}-${p.month}-${p.day} ${p.hour}:${p.minute}`;
}

// Today's date in Beijing, "YYYY-MM-DD".
export function todayBeijing() {
  return beijing(new Date().toISOString()).slice(0, 10);
}

export function label(value) {
  return labels[value] ?? (value && !value.endsWith('_UNSPECIFIED') ? value : '');
}

// The values of an enum (by prefix) with their names, for a select.
export function options(prefix) {
  return Object.keys(labels)
    .filter((k) => k.startsWith(prefix))
    .map((k) => ({ value: k, label: labels[k] }));
}

export const CARD_TEXT = { blue: '蓝牌提醒', yellow: '黄牌催办', red: '红牌通报', reminder: '到期提醒' };
