// What the coordination pages share: Beijing days and weeks, times entered as Beijing time, the
// people of the caller's county by role, overlaps of activities, and the places the service books.
import { coordination } from './api.js';
import { session } from './session.js';
import { beijing, todayBeijing } from './format.js';

export const WEEKDAYS = ['一', '二', '三', '四', '五', '六', '日'];

// The places a meeting or an activity may book, as the service is configured (meetings.venues,
// schedule.venues): `service` is 'MeetingsService' or 'ScheduleService'; { venues,
// allow_free_location }. Read once per page load.
const venueLists = {};
export function venuesOf(service) {
  venueLists[service] ??= coordination(service, 'ListVenues', {})
    .then((r) => ({ venues: r.venues ?? [], allow_free_location: !!r.allow_free_location }))
    .catch((e) => { delete venueLists[service]; throw e; });
  return venueLists[service];
}

export const SECRECY = [
  { value: 0, label: '非密' }, { value: 1, label: '秘密' }, { value: 2, label: '机密' }, { value: 3, label: '绝密' },
];

// "YYYY-MM-DD" plus n days (calendar arithmetic, no time zone involved).
export function addDays(date, n) {
  const [y, m, d] = date.split('-').map(Number);
  const t = new Date(Date.UTC(y, m - 1, d + n));
  return t.toISOString().slice(0, 10);
}

// 1 = Monday … 7 = Sunday.
export function weekdayOf(date) {
  const [y, m, d] = date.split('-').map(Number);
  return ((new Date(Date.UTC(y, m - 1, d)).getUTCDay() + 6) % 7) + 1;
}

export const mondayOf = (date) => addDays(date, 1 - weekdayOf(date));
export const weekOf = (date) => Array.from({ length: 7 }, (_, i) => addDays(mondayOf(date), i));
export const isDate = (s) => /^\d{4}-\d{2}-\d{2}$/.test(s ?? '');
// The Monday of the week a page shows: its ?week= day, or today.
export const weekFrom = (q) => mondayOf(isDate(q) ? q : todayBeijing());

// "11月24日 周一".
export function dayLabel(date) {
  const [, m, d] = date.split('-').map(Number);
  return `${m}月${d}日 周${WEEKDAYS[weekdayOf(date) - 1]}`;
}

// The Beijing day and "HH:MM" of a timestamp.
export const dayOfTs = (ts) => beijing(ts).slice(0, 10);
export const hmOf = (ts) => beijing(ts).slice(11);

// A day and "HH:MM" entered as Beijing time, as an RFC 3339 timestamp the services read.
export const atBeijing = (date, hm) => `${date}T${hm}:00+08:00`;

// "09:00–10:30" for a span within one day; the second day spelled out when it ends later.
export function span(start, end) {
  const e = dayOfTs(end) === dayOfTs(start) ? hmOf(end) : beijing(end);
  return `${hmOf(start)}–${e}`;
}

export const today = () => todayBeijing();

const ms = (ts) => new Date(ts).getTime();
export const overlaps = (a, b) => ms(a.start_time) < ms(b.end_time) && ms(b.start_time) < ms(a.end_time);
export const isPast = (ts) => !!ts && ms(ts) < Date.now();

// The clashes among scheduled activities: for each activity id, the others booked at an
// overlapping time for the same leader or in the same venue.
export function clashesOf(activities) {
  const out = {};
  for (const a of activities) {
    for (const b of activities) {
      if (a.id === b.id || !overlaps(a, b)) continue;
      const kind = a.leader === b.leader ? 'leader' : a.venue && a.venue === b.venue ? 'venue' : '';
      if (kind) (out[a.id] ??= []).push({ kind, other: b });
    }
  }
  return out;
}

// The people of the caller's county holding `role` (any role when none is named), as /auth/me
// lists them.
export function people(role) {
  const tenant = session.user?.tenant;
  return Object.values(session.users)
    .filter((u) => u.tenant === tenant)
    .filter((u) => !role || (u.roles ?? []).includes(role));
}

export const localUnits = () => Object.values(session.units).filter((u) => u.tenant === session.user?.tenant);

// Who reads a circulating document now: the first stage not fully read, its readers in turn
// (依次) or all at once (同时) — as the service decides whose turn it is.
export function currentReaders(d) {
  if (d.state !== 'DOCUMENT_STATE_CIRCULATING') return [];
  for (const s of d.stages) {
    const unread = s.readings.filter((r) => !r.read_at);
    if (!unread.length) continue;
    return (s.order === 'STAGE_ORDER_SEQUENTIAL' ? unread.slice(0, 1) : unread).map((r) => r.reader);
  }
  return [];
}

export const allRead = (d) => d.stages.length > 0 && d.stages.every((s) => s.readings.every((r) => r.read_at));

// 'overdue' past a document's handling limit, 'due' within a day of it, '' otherwise or once completed.
export function limitState(d) {
  if (!d.handling_limit || d.state === 'DOCUMENT_STATE_COMPLETED') return '';
  const left = new Date(d.handling_limit).getTime() - Date.now();
  if (left < 0) return 'overdue';
  return left < 24 * 3600 * 1000 ? 'due' : '';
}

// A service refusal explained in Chinese where the console knows the case better than the code.
export function explain(e) {
  const d = e.detail ?? '';
  if (/venue .* is booked by/.test(d)) return '场地冲突：该会议室在此时段已有批准的会议';
  if (/schedule conflict/.test(d)) return '日程冲突：与已安排的活动时间或场地重叠';
  if (/has not started yet/.test(d)) return '会议尚未开始，开始后才能记录纪要';
  if (/not .*'s turn to read/.test(d)) return '尚未轮到您阅文';
  if (/still to be read by/.test(d)) return '还有人未阅，不能办结';
  if (/mandatory steps not done/.test(d)) return '还有必办步骤未完成，结束处置需填写理由';
  if (/only the person currently alerted/.test(d)) return '只有当前被提醒的人可以确认';
  return e.message;
}
