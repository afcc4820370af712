// Calls to the services through the gateway: POST /api/<package.Service>/<Method> with JSON. A
// failed call throws an ApiError whose `message` says in Chinese what went wrong; the service's
// own words are kept in `detail`.
import { session, signOut } from './session.js';

const CODE_TEXT = {
  INVALID_ARGUMENT: '输入有误',
  FAILED_PRECONDITION: '当前状态不能进行此操作',
  OUT_OF_RANGE: '输入超出范围',
  PERMISSION_DENIED: '没有权限进行此操作',
  NOT_FOUND: '未找到，或无权查看',
  ALREADY_EXISTS: '已经存在',
  ABORTED: '已被他人修改，请刷新后重试',
  UNAUTHENTICATED: '登录已失效，请重新登录',
  RESOURCE_EXHAUSTED: '提交的内容过大，或系统繁忙',
  UNAVAILABLE: '服务暂时无法访问，请稍后重试',
  DEADLINE_EXCEEDED: '服务响应超时，请稍后重试',
  INTERNAL: '系统内部错误',
};

// Field names as the services name them in their messages, in Chinese.
const FIELD_TEXT = {
  title: '标题', body: '正文', text: '内容', comment: '意见', kind: '类别', sensitivity: '密级',
  due_date: '办理期限', new_due_date: '新的期限', directed_units: '交办单位', percent: '进度',
  narrative: '进展情况', summary: '办结情况', reason: '理由', level: '采用级别', deadline: '期限',
  requirement: '督办要求', lead_unit: '牵头单位', co_units: '配合单位', unit_id: '报送单位',
  content: '内容', tags: '标签', id: '编号',
  // coordination: meetings, leader schedule, circulation, duty
  venue: '会议室', start_time: '开始时间', end_time: '结束时间', presiding_leader: '主持领导',
  participant_leaders: '参会领导', participant_units: '参会单位', agenda: '议程', location: '地点',
  leader: '领导', readers: '阅件人', stages: '流转环节', stage: '流转环节', source: '来文单位', number: '文号',
  urgency: '缓急', secrecy_level: '密级', handling_limit: '办理时限', received_at: '收文时间',
  officers: '值班员', date: '日期', date_a: '调班日期', date_b: '调班日期', step_id: '处置步骤', note: '备注',
  notes: '备注',
  // reporting: emergencies, calls, bulletins, rankings
  topic: '约稿主题', 'call.unit_ids': '约稿单位', 'call.due_date': '截止日期', description: '说明',
  grade: '事件等级', occurred_at: '发生时间', learned_at: '获知时间', place: '发生地点',
  casualties: '伤亡人数', previous_id: '前次报告', call_id: '约稿', chain_id: '信息链',
  report_id: '信息', bulletin_id: '期刊', period: '考核期间', start_date: '开始日期', end_date: '结束日期',
};

export class ApiError extends Error {
  constructor(code, detail, status, traceId) {
    const field = fieldOf(detail);
    super(`${CODE_TEXT[code] ?? '操作失败'}${field ? `：${field}` : ''}`);
    this.code = code;
    this.detail = detail;
    this.status = status;
    this.traceId = traceId;
  }
}

// The Chinese name of the field a service's message starts with ("report.title: ...").
function fieldOf(detail) {
  const m = /^([a-z_.[\]0-9]+):/.exec(detail ?? '');
  if (!m) return '';
  const path = m[1].replace(/\[\d+\]/g, '');
  return FIELD_TEXT[path] ?? FIELD_TEXT[path.split('.').pop()] ?? '';
}

export function newRequestId() {
  return crypto.randomUUID();
}

// Request ids by key: the same key gives the same id, so a write retried after a lost answer is
// the same write, which the service applies once. Key a write by what it does to which version.
export function requestIds() {
  const ids = {};
  return (key) => (ids[key] ??= newRequestId());
}

// How many records a page reads from a List method at most, and the services' largest page.
export const LIST_CAP = 2000;
const PAGE = 500;

// Every record of a List method up to `cap`, page by page: { items, truncated }, `truncated`
// saying the service had more. `service` is reporting, supervision, ... or a coordination
// service bound to its name.
export async function listAll(service, method, body, field, cap = LIST_CAP) {
  const items = [];
  let token = '';
  do {
    const res = await service(method, { ...body, page_size: Math.min(PAGE, cap - items.length), page_token: token || undefined });
    items.push(...(res[field] ?? []));
    token = res.next_page_token ?? '';
  } while (token && items.length < cap);
  return { items: items.slice(0, cap), truncated: token !== '' };
}

export async function call(method, body = {}) {
  const headers = { 'Content-Type': 'application/json' };
  if (session.token) headers.Authorization = `Bearer ${session.token}`;
  let res;
  try {
    res = await fetch(`/api/${method}`, { method: 'POST', headers, body: JSON.stringify(body) });
  } catch (e) {
    throw new ApiError('UNAVAILABLE', String(e), 0, '');
  }
  const text = await res.text();
  let data = null;
  try {
    data = text ? JSON.parse(text) : {};
  } catch {
    data = null;
  }
  if (res.ok && data) return data;
  const err = new ApiError(data?.code ?? 'UNKNOWN', data?.message ?? text, res.status,
    res.headers.get('X-Zs-Trace-Id') ?? '');
  if (res.status === 401) signOut();
  throw err;
}

export const reporting = (m, b) => call(`zhongshu.reporting.v1.ReportingService/${m}`, b);
export const supervision = (m, b) => call(`zhongshu.supervision.v1.SupervisionService/${m}`, b);
export const proposals = (m, b) => call(`zhongshu.proposals.v1.ProposalsService/${m}`, b);
export const coordination = (svc, m, b) => call(`zhongshu.coordination.v1.${svc}/${m}`, b);

// Fetches a document or export of the gateway with the caller's token and saves it under the
// name the gateway gives (Content-Disposition), or opens it in a new tab (a PDF, to print); `tab`
// is a tab opened at the click, which the document is shown in.
export async function download(path, { open = false, tab = null } = {}) {
  const res = await fetch(path, { headers: { Authorization: `Bearer ${session.token}` } });
  if (!res.ok) {
    let data = null;
    try { data = await res.json(); } catch { /* not JSON */ }
    const err = new ApiError(data?.code ?? 'UNKNOWN', data?.message ?? res.statusText, res.status,
      res.headers.get('X-Zs-Trace-Id') ?? '');
    // The renderer busy (503 with Retry-After): say so rather than "too large".
    if (res.status === 503 && data?.code === 'RESOURCE_EXHAUSTED') err.message = '系统繁忙，正在生成其他文件，请稍后重试';
    if (res.status === 401) signOut();
    throw err;
  }
  const blob = await res.blob();
  const url = URL.createObjectURL(blob);
  if (tab) {
    tab.location.href = url;
  } else if (open) {
    window.open(url, '_blank');
  } else {
    const m = /filename\*=UTF-8''([^;]+)/.exec(res.headers.get('Content-Disposition') ?? '');
    const a = document.createElement('a');
    a.href = url;
    a.download = m ? decodeURIComponent(m[1]) : path.split('/').pop();
    a.click();
  }
  setTimeout(() => URL.revokeObjectURL(url), 60_000);
}
