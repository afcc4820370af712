// What the reporting pages share: reading every page of a list, the emergency chain's wording and
// clocks, calls' overdue state, and saving a document of the gateway with an error message.
import { ElMessage } from 'element-plus';
import { reporting, download, listAll } from './api.js';
import { todayBeijing } from './format.js';

// Every record of one of reporting's List methods (up to 5,000: the pages filter them further).
export const listReporting = async (method, key, body = {}) =>
  (await listAll(reporting, method, body, key, 5000)).items;

// 初报 / 续报（第n次）/ 终报 of a report in its chain.
export function phaseText(e) {
  if (!e) return '';
  if (e.phase === 'EMERGENCY_PHASE_FINAL') return '终报';
  if (e.phase === 'EMERGENCY_PHASE_FOLLOW_UP') return e.sequence ? `续报（第${e.sequence}次）` : '续报';
  return '初报';
}

// How long after its latest report an open chain owes a follow-up: the reporting service's
// emergency.follow_up_interval (4h in every shipped configuration). The API does not carry it.
export const FOLLOW_UP_HOURS = 4;

const addMinutes = (ts, minutes) => new Date(new Date(ts).getTime() + minutes * 60_000).toISOString();

// The written-report deadline of an initial report: learned_at + the grade's written limit.
export function writtenDue(e) {
  const from = e?.learned_at || e?.occurred_at;
  return from && e.written_limit_minutes ? addMinutes(from, e.written_limit_minutes) : '';
}

// When the next follow-up of a chain whose latest report is `r` is due.
export const followUpDue = (r) => addMinutes(r.submit_time, FOLLOW_UP_HOURS * 60);

// "12 小时" / "30 分钟" for a limit in minutes.
export const minutesText = (m) => (m % 60 === 0 ? `${m / 60}小时` : `${m}分钟`);

// A unit asked by a call, without an answer after the due date (Beijing time).
export const overdue = (call) => !!call.due_date && todayBeijing() > call.due_date;

// A Beijing wall-clock time from a picker ("YYYY-MM-DD HH:mm") as an RFC 3339 timestamp.
export const beijingToRfc3339 = (v) => (v ? `${v.replace(' ', 'T')}:00+08:00` : undefined);

// Downloads (or opens, to print) a document of the gateway; a failure is shown in Chinese.
// To print, the tab is opened at the click, while the browser still counts it as the user's doing
// (a tab opened after the document has come may be taken for a pop-up and blocked).
export async function save(path, open = false) {
  const tab = open ? window.open('', '_blank') : null;
  try {
    await download(path, { open, tab });
  } catch (e) {
    tab?.close();
    ElMessage.error(e.message);
  }
}

// The tag colour of an emergency grade.
export const gradeType = (g) => ({
  EMERGENCY_GRADE_I: 'danger', EMERGENCY_GRADE_II: 'danger', EMERGENCY_GRADE_III: 'warning',
}[g] ?? 'info');

// A report's latest time in milliseconds, for ordering.
export const timeOf = (r) => new Date(r.submit_time || r.update_time || r.create_time || 0).getTime();

// The bulletin kinds (期刊) of the reporting service's bulletins.kinds, as shipped; kinds seen on
// existing issues are added to these. The API does not list the configured kinds.
export const BULLETIN_KINDS = [
  { code: 'daily', name: '每日要情' }, { code: 'special', name: '信息专报' }, { code: 'express', name: '快报' },
];

// "每日要情 2026年第3期", or "每日要情（编辑中）" before publication.
export const issueName = (b) => (b.number ? `${b.kind_name} ${b.year}年第${b.number}期` : `${b.kind_name}（编辑中）`);
