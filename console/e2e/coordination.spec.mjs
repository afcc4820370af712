// The coordination office's other modules in the browser, each role through its own pages:
// 孙综合 requests a meeting, 黄主任 approves it, 孙综合 records its minutes and a decision; the leader
// schedule shows a clash before anything is saved and only the office director keeps it; 张书记
// agrees to attend a unit's event; a document is registered, routed, instructed by 谢副书记, read by
// the duty officers and completed; the duty roster is set and swapped, an emergency report opens an
// incident whose alert 谢副书记 acknowledges and whose checklist 何值班 works through. Another
// county's coordinator sees none of it; a clearance-limited reader sees neither a secret document
// nor the words of negative information.
import fs from 'node:fs';
import { test, expect } from '@playwright/test';
import { signIn, screenshots, choose, field, api } from './helpers.mjs';

test.describe.configure({ mode: 'serial', timeout: 180_000 });

// The services' clock (the stack's clock file, which the run does not move), and days in Beijing
// counted from it: "today" is the services' today, whatever the hour the test runs at.
const clockFile = process.env.ZS_E2E_CLOCK_FILE; // unset while the runner only lists the tests
const now = clockFile ? Number(fs.readFileSync(clockFile, 'utf8').trim()) : Date.now();
const day = (n) => new Date(now + 8 * 3600_000 + n * 86400_000).toISOString().slice(0, 10);
const [yesterday, today, tomorrow, later] = [day(-1), day(0), day(1), day(2)];
const svc = (s, m) => `zhongshu.coordination.v1.${s}/${m}`;
const uuid = () => crypto.randomUUID();

const meetingTitle = '清水塘片区防汛工作联席会议';
const activity1 = '调研霞湾港防洪堤加固工程';
const activity2 = '听取区水利局汛期准备工作汇报';
const attendanceTitle = '霞湾社区防汛应急演练';
const docTitle = '关于切实做好近期强降雨防范应对工作的紧急通知';
const overdueTitle = '关于报送2026年度防汛物资储备情况的通知';
const secretTitle = '防汛重点部位布防调整方案';
const topSecretTitle = '重大险情处置预案（修订稿）';
const incidentTitle = '霞湾港堤段出现管涌险情';
const WITHHELD = '（负面信息，内容不予显示）';

let meetingUrl = '';
let docUrl = '';
let secretUrl = '';
let incidentUrl = '';

// Closes the list of a multiple select (it stays open after a pick) by clicking the dialog's title.
async function pick(page, testId, option) {
  await choose(page, testId, option);
  await page.locator('.el-dialog__header:visible').click();
  await expect(page.locator('.el-select__popper:visible')).toHaveCount(0);
}

async function setDate(page, testId, date) {
  await field(page, testId).fill(date);
  await field(page, testId).press('Enter');
}

// A page's list is loaded once its data-loaded says so (an empty list is then really empty).
const loaded = (page, testId) => expect(page.getByTestId(testId)).toHaveAttribute('data-loaded', 'true');

test('会议: 孙综合 requests a meeting (missing fields named in Chinese), 黄主任 approves it', async ({ page }) => {
  await signIn(page, 'sun.zonghe', '孙综合');
  await page.getByRole('menuitem', { name: '综合协调' }).click();
  await page.getByTestId('coord-tabs').getByRole('link', { name: '会议' }).click();
  await expect(page).toHaveURL(/\/coordination\/meetings$/);
  // The meeting took place yesterday, so that its minutes can be recorded today.
  await page.goto(`/coordination/meetings?week=${yesterday}`);
  await page.getByTestId('new-meeting').click();
  await page.getByTestId('meeting-submit').click();
  await expect(page.getByTestId('form-error')).toContainText('请选择会议类型');
  await choose(page, 'meeting-kind', '联席会议');
  await page.getByTestId('meeting-submit').click();
  await expect(page.getByTestId('form-error')).toContainText('请填写会议名称');
  await field(page, 'meeting-title').fill(meetingTitle);
  await setDate(page, 'meeting-date', yesterday);
  await choose(page, 'meeting-start', '15:00');
  await choose(page, 'meeting-end', '16:30');
  await page.getByTestId('meeting-submit').click();
  await expect(page.getByTestId('form-error')).toContainText('请选择会议室');
  await choose(page, 'meeting-venue', '第一会议室');
  await choose(page, 'meeting-presiding', '谢副书记');
  await pick(page, 'meeting-units', '区水利局');
  await pick(page, 'meeting-units', '区应急管理局');
  await field(page, 'meeting-agenda').fill('通报近期雨情水情\n研究霞湾港堤段除险加固分工');
  await page.getByTestId('meeting-submit').click();
  await expect(page.getByTestId('meeting-state')).toHaveText('已申报');
  await expect(page.getByTestId('meeting-facts')).toContainText('谢副书记');
  await expect(page.getByTestId('meeting-facts')).toContainText('区水利局、区应急管理局');
  meetingUrl = new URL(page.url()).pathname;
  // A coordinator approves too, but the office director is the one the request waits for here.
  await signIn(page, 'huang.zhuren', '黄主任');
  await page.getByTestId('todo-meetings-approve').getByText(meetingTitle).click();
  await expect(page).toHaveURL(new RegExp(meetingUrl));
  await page.getByTestId('approve').click();
  await expect(page.getByTestId('meeting-state')).toHaveText('已批准');
  await expect(page.getByTestId('meeting-facts')).toContainText('黄主任');
});

test('会议: 孙综合 records the minutes and a decision; the week shows it in order', async ({ page }) => {
  await signIn(page, 'sun.zonghe', '孙综合');
  await page.goto(meetingUrl);
  await page.getByTestId('record-minutes').click();
  await field(page, 'dialog-text').fill('会议听取了区水利局关于近期雨情水情的通报，研究了霞湾港堤段除险加固分工。');
  await page.getByTestId('dialog-ok').click();
  await expect(page.getByTestId('minutes')).toContainText('霞湾港堤段除险加固');
  await page.getByTestId('record-decision').click();
  await field(page, 'dialog-text').fill('区水利局牵头，五日内完成霞湾港堤段除险加固方案。');
  await page.getByTestId('dialog-ok').click();
  await expect(page.getByTestId('form-error')).toContainText('请选择牵头单位');
  await choose(page, 'decision-lead', '区水利局');
  await pick(page, 'decision-co', '区应急管理局');
  await page.getByTestId('dialog-ok').click();
  await expect(page.getByTestId('decision')).toContainText('牵头：区水利局');
  await expect(page.getByTestId('decision')).toContainText('配合：区应急管理局');
  await screenshots(page, 'meeting');

  await page.goto(`/coordination/meetings?week=${yesterday}`);
  await loaded(page, 'meetings');
  await expect(page.getByTestId('meetings')).toContainText(`15:00–16:30 ${meetingTitle}`);
  await screenshots(page, 'meetings');
});

test('领导周程: a clash is shown before saving; 孙综合 cannot keep it, 黄主任 keeps it and the week explains it', async ({ page }) => {
  const week = `/coordination/schedule?week=${tomorrow}`;
  const add = async (title, start, end, venue) => {
    await page.getByTestId('new-activity').click();
    await choose(page, 'activity-leader', '谢副书记');
    await field(page, 'activity-title').fill(title);
    await setDate(page, 'activity-date', tomorrow);
    await choose(page, 'activity-start', start);
    await choose(page, 'activity-end', end);
    await choose(page, 'activity-venue', venue);
    await page.getByTestId('activity-save').click();
  };
  await signIn(page, 'sun.zonghe', '孙综合');
  await page.goto(week);
  await loaded(page, 'weeks');
  await add(activity1, '09:00', '11:00', '多功能厅');
  await expect(page.getByTestId('week-xie.fushuji')).toContainText(activity1);

  await add(activity2, '10:00', '11:30', '一号会议室');
  const conflicts = page.getByTestId('conflicts');
  await expect(conflicts).toContainText('尚未保存');
  await expect(conflicts).toContainText(`领导时间冲突：谢副书记「${activity1}」`);
  await expect(conflicts).toContainText('09:00–11:00 · 多功能厅');
  await expect(conflicts).toContainText('请办公室主任或领导本人确认');
  await expect(page.getByTestId('activity-override')).toHaveCount(0);
  await page.locator('.el-dialog__headerbtn:visible').click();
  await expect(page.getByTestId('week-xie.fushuji')).not.toContainText(activity2);

  await signIn(page, 'huang.zhuren', '黄主任');
  await page.goto(week);
  await loaded(page, 'weeks');
  await add(activity2, '10:00', '11:30', '一号会议室');
  await expect(page.getByTestId('conflicts')).toContainText(activity1);
  await page.getByTestId('activity-override').click();
  const xie = page.getByTestId('week-xie.fushuji');
  await expect(xie).toContainText(activity2);
  await expect(xie).toContainText('2 项存在冲突');
  await expect(xie.locator('.activity.clash')).toHaveCount(2);
  const second = xie.locator('.activity').filter({ has: page.locator('.what', { hasText: activity2 }) });
  await expect(second.getByTestId('clash')).toContainText(`时间冲突：与「${activity1}」`);
  await expect(second.getByTestId('clash')).toContainText('09:00–11:00');
  await expect(second.getByTestId('override')).toContainText('冲突已由黄主任确认保留');
  await screenshots(page, 'schedule');
});

test('领导周程: 张书记 agrees to attend a unit\'s event from 我的待办', async ({ page, request }) => {
  const asked = await api(request, 'chen.shuili', svc('ScheduleService', 'RequestAttendance'), {
    request_id: uuid(),
    attendance: {
      leader: 'zhang.shuji', title: attendanceTitle, start_time: `${later}T15:00:00+08:00`, end_time: `${later}T16:30:00+08:00`,
      location: '霞湾社区广场', reason: '检验社区防汛转移预案，请张书记现场指导。',
    },
  });
  await signIn(page, 'zhang.shuji', '张书记');
  await page.getByTestId('todo-attendance').getByText(attendanceTitle).click();
  const card = page.getByTestId(`attendance-${asked.id}`);
  await expect(card).toContainText('区水利局');
  await expect(card.getByTestId('attendance-state')).toHaveText('待审批');
  await card.getByTestId('attendance-approve').click();
  await expect(card.getByTestId('attendance-state')).toHaveText('已同意');
  await expect(page.getByTestId('week-zhang.shuji')).toContainText(attendanceTitle);
  await expect(page.getByTestId('week-zhang.shuji')).toContainText('区水利局申请');
});

test('文件流转: 孙综合 registers and routes a document; overdue limits are marked; a reader without clearance is refused', async ({ page, request }) => {
  const register = (user, document) => api(request, user, svc('CirculationService', 'RegisterDocument'), { request_id: uuid(), document });
  await register('sun.zonghe', {
    source: '市委办公室', number: '株办通〔2026〕9号', title: overdueTitle, urgency: 'URGENCY_URGENT', secrecy_level: 0,
    received_at: `${day(-3)}T09:00:00+08:00`, handling_limit: `${yesterday}T17:30:00+08:00`,
  });
  const secret = await register('sun.zonghe', {
    source: '市防汛抗旱指挥部', number: '株汛〔2026〕3号', title: secretTitle, urgency: 'URGENCY_NORMAL', secrecy_level: 2,
  });
  secretUrl = `/coordination/documents/${secret.id}`;
  await register('huang.zhuren', {
    source: '市防汛抗旱指挥部', number: '株汛〔2026〕4号', title: topSecretTitle, urgency: 'URGENCY_NORMAL', secrecy_level: 3,
  });

  await signIn(page, 'sun.zonghe', '孙综合');
  await page.goto('/coordination');
  await page.getByTestId('coord-tabs').getByRole('link', { name: '文件流转' }).click();
  await loaded(page, 'documents');
  const rows = page.getByTestId('documents');
  await expect(rows.locator('tr', { hasText: overdueTitle }).getByTestId('limit-tag')).toHaveText('已超期');
  await expect(rows).toContainText(secretTitle);
  // 绝密 is above 孙综合's clearance (机密): not even listed.
  await expect(rows).not.toContainText(topSecretTitle);
  await screenshots(page, 'documents');

  await page.getByTestId('new-document').click();
  await page.getByTestId('doc-submit').click();
  await expect(page.getByTestId('form-error')).toContainText('请填写来文单位');
  await field(page, 'doc-source').fill('市委办公室');
  await field(page, 'doc-number').fill('株办发〔2026〕31号');
  await field(page, 'doc-title').fill(docTitle);
  await page.getByTestId('doc-urgency').getByText('急件', { exact: true }).click();
  await page.getByTestId('doc-submit').click();
  await expect(page.getByTestId('form-error')).toContainText('请选择办理时限');
  await setDate(page, 'doc-limit-date', later);
  await page.getByTestId('doc-submit').click();
  await expect(page.getByTestId('document-state')).toHaveText('已登记');
  docUrl = new URL(page.url()).pathname;

  await page.getByTestId('route').click();
  await page.getByTestId('stage-kind').getByText('批办').click();
  await page.getByTestId('stage-order').getByText('依次传阅').click();
  await pick(page, 'stage-readers', '谢副书记');
  await page.getByTestId('dialog-ok').click();
  await expect(page.getByTestId('document-state')).toHaveText('传阅中');
  await expect(page.getByTestId('stage-1')).toContainText('批办');
  await expect(page.getByTestId('reading-xie.fushuji')).toContainText('待阅');
  await page.getByTestId('route').click();
  await pick(page, 'stage-readers', '何值班');
  await pick(page, 'stage-readers', '罗值班');
  await page.getByTestId('dialog-ok').click();
  await expect(page.getByTestId('stage-2')).toContainText('传阅');
  await expect(page.getByTestId('reading-he.zhiban')).toContainText('未到');

  // The service refuses a reader below the document's secrecy; the page names the field.
  await page.goto(secretUrl);
  await page.getByTestId('route').click();
  await pick(page, 'stage-readers', '何值班');
  await page.getByTestId('dialog-ok').click();
  await expect(page.getByTestId('form-error')).toContainText('输入有误：阅件人');
  await expect(page.getByTestId('form-error')).toContainText('below the document');
});

test('文件流转: 谢副书记 instructs and reads; the duty officers read; 孙综合 completes it', async ({ page }) => {
  await signIn(page, 'xie.fushuji', '谢副书记');
  await page.getByTestId('todo-documents-read').getByText(docTitle).click();
  await expect(page).toHaveURL(new RegExp(docUrl));
  await page.getByTestId('instruct').click();
  await field(page, 'dialog-text').fill('请区应急管理局牵头，立即部署强降雨防范，24小时值班值守。');
  await pick(page, 'instruct-units', '区应急管理局');
  await setDate(page, 'instruct-due', later);
  await page.getByTestId('dialog-ok').click();
  await expect(page.getByTestId('instruction')).toContainText('谢副书记批示');
  await expect(page.getByTestId('instruction')).toContainText('交 区应急管理局 办理');
  await page.getByTestId('mark-read').click();
  await field(page, 'dialog-text').fill('同意拟办意见。');
  await page.getByTestId('dialog-ok').click();
  await expect(page.getByTestId('reading-xie.fushuji')).toContainText('已阅');
  await expect(page.getByTestId('reading-he.zhiban')).toContainText('待阅');

  for (const [user, name] of [['he.zhiban', '何值班'], ['luo.zhiban', '罗值班']]) {
    await signIn(page, user, name);
    await page.getByTestId('todo-documents-read').getByText(docTitle).click();
    await page.getByTestId('mark-read').click();
    await page.getByTestId('dialog-ok').click();
    await expect(page.getByTestId(`reading-${user}`)).toContainText('已阅');
  }
  // 何值班 (clearance 秘密) sees neither the 机密 document in the list nor its page.
  await signIn(page, 'he.zhiban', '何值班');
  await page.goto('/coordination/documents');
  await loaded(page, 'documents');
  await expect(page.getByTestId('documents')).toContainText(docTitle);
  await expect(page.getByTestId('documents')).not.toContainText(secretTitle);
  await page.goto(secretUrl);
  await expect(page.getByTestId('error')).toContainText('未找到，或无权查看');
  await expect(page.getByText(secretTitle)).toHaveCount(0);

  await signIn(page, 'sun.zonghe', '孙综合');
  await page.getByTestId('todo-documents-handle').getByText(docTitle).click();
  await page.getByTestId('complete').click();
  await expect(page.getByTestId('document-state')).toHaveText('办结');
  await expect(page.getByTestId('route-timeline')).toContainText('办结 · 孙综合');
  await screenshots(page, 'document');
});

test('值班: 孙综合 sets and swaps the roster; a missing leader is named', async ({ page }) => {
  await signIn(page, 'sun.zonghe', '孙综合');
  await page.goto('/coordination');
  await page.getByTestId('coord-tabs').getByRole('link', { name: '值班' }).click();
  await page.getByText('四周', { exact: true }).click();
  await expect(page).toHaveURL(/span=4/);
  const set = async (date, leader, officer) => {
    await page.getByTestId(`duty-${date}`).getByTestId('set-duty').click();
    await page.getByTestId('duty-save').click();
    await expect(page.getByTestId('form-error')).toContainText('请选择带班领导');
    await choose(page, 'duty-leader-select', leader);
    await pick(page, 'duty-officers-select', officer);
    await page.getByTestId('duty-save').click();
    await expect(page.getByTestId(`duty-${date}`).getByTestId('duty-leader')).toHaveText(leader);
  };
  await set(today, '谢副书记', '何值班');
  await set(tomorrow, '刘区长', '罗值班');
  await page.getByTestId('swap-duty').click();
  await setDate(page, 'swap-a', today);
  await setDate(page, 'swap-b', tomorrow);
  await field(page, 'swap-reason').fill('何值班明日参加培训');
  await page.getByTestId('swap-save').click();
  await expect(page.getByTestId(`duty-${today}`).getByTestId('duty-officers')).toHaveText('罗值班');
  await expect(page.getByTestId(`duty-${tomorrow}`).getByTestId('duty-officers')).toHaveText('何值班');
  await expect(page.getByTestId(`duty-${today}`).getByTestId('duty-swap')).toContainText(`值班员与 ${tomorrow} 互换`);
  await expect(page.getByTestId(`duty-${today}`).getByTestId('duty-leader')).toHaveText('谢副书记');
});

test('值班: an emergency report opens an incident; 谢副书记 acknowledges the alert', async ({ page, request }) => {
  // A clerk reports the emergency (negative information): coordination opens the incident from
  // reporting's event and alerts today's duty leader.
  const report = await api(request, 'wang.xinxi', 'zhongshu.reporting.v1.ReportingService/CreateReport', {
    request_id: uuid(),
    report: {
      title: incidentTitle, body: '霞湾港堤段桩号K2+300处出现管涌，已组织巡堤人员值守。', kind: 'REPORT_KIND_EMERGENCY',
      sensitivity: 'SENSITIVITY_NEGATIVE', tags: ['防汛'],
      emergency: {
        grade: 'EMERGENCY_GRADE_III', occurred_at: new Date(now - 40 * 60_000).toISOString(),
        learned_at: new Date(now - 30 * 60_000).toISOString(), place: '霞湾港堤段',
      },
    },
  });
  await api(request, 'wang.xinxi', 'zhongshu.reporting.v1.ReportingService/SubmitReport', { request_id: uuid(), id: report.id });

  await signIn(page, 'xie.fushuji', '谢副书记');
  await expect(async () => {
    await page.reload();
    await expect(page.getByTestId('todo-alerts')).toContainText(incidentTitle, { timeout: 1000 });
  }).toPass({ timeout: 60_000 });
  await page.getByTestId('todo-alerts').getByText(incidentTitle).click();
  // The link navigates after the click returns: take the incident's address once it is there.
  await expect(page).toHaveURL(/\/coordination\/incidents\/[^/]+$/);
  incidentUrl = new URL(page.url()).pathname;
  await expect(page.getByTestId('incident-title')).toHaveText(incidentTitle);
  await expect(page.getByTestId('alert')).toContainText('正在提醒：谢副书记');
  await page.getByTestId('acknowledge').click();
  await expect(page.getByTestId('alert')).toContainText('提醒已确认：谢副书记');
  await expect(page.getByTestId('incident-timeline')).toContainText('确认收到 · 谢副书记');
});

test('值班: 何值班 works the checklist without seeing the negative words, and closes the incident', async ({ page }) => {
  await signIn(page, 'he.zhiban', '何值班');
  await expect(page.getByTestId('todo-incidents')).toContainText(WITHHELD);
  await expect(page.getByTestId('todo-incidents')).not.toContainText(incidentTitle);
  await page.getByTestId('todo-incidents').getByText(WITHHELD).click();
  await expect(page).toHaveURL(new RegExp(incidentUrl));
  await expect(page.getByTestId('incident-title')).toHaveText(WITHHELD);
  await expect(page.getByTestId('checklist')).toContainText('核实险情');
  await page.getByTestId('close-incident').click();
  await page.getByTestId('dialog-ok').click();
  await expect(page.getByTestId('form-error')).toContainText('请填写结束说明');
  await page.locator('.el-dialog__headerbtn:visible').click();
  for (const id of ['s1', 's2', 's3']) {
    await page.getByTestId(`step-${id}`).getByTestId('complete-step').click();
    await field(page, 'dialog-text').fill(id === 's1' ? '已电话核实，管涌点1处，无人员伤亡。' : '');
    await page.getByTestId('dialog-ok').click();
    await expect(page.getByTestId(`step-${id}`)).toContainText('何值班');
  }
  await page.getByTestId('add-note').click();
  await field(page, 'dialog-text').fill('区水利局抢险队已到场处置。');
  await page.getByTestId('dialog-ok').click();
  await expect(page.getByTestId('incident-timeline')).toContainText('情况记录 · 何值班');
  await expect(page.locator('body')).not.toContainText(incidentTitle);
  await page.getByTestId('close-incident').click();
  await page.getByTestId('dialog-ok').click();
  await expect(page.getByTestId('incident-state')).toHaveText('已结束');
  await expect(page.getByTestId('closed')).toContainText('何值班');
  await screenshots(page, 'incident');

  await page.goto('/coordination/duty?incidents=all');
  await loaded(page, 'incidents');
  await expect(page.getByTestId('incidents')).toContainText(WITHHELD);
  await expect(page.getByTestId(`duty-${today}`).getByTestId('duty-officers')).toHaveText('罗值班');
  await screenshots(page, 'duty');
});

test('another county\'s coordinator sees none of these meetings, documents or incidents', async ({ page }) => {
  await signIn(page, 'qin.zonghe', '秦综合');
  await page.goto(`/coordination/meetings?week=${yesterday}`);
  await loaded(page, 'meetings');
  await expect(page.getByTestId('meetings')).not.toContainText(meetingTitle);
  await page.goto('/coordination/documents');
  await loaded(page, 'documents');
  await expect(page.getByTestId('documents')).not.toContainText(docTitle);
  await page.goto('/coordination/duty?incidents=all');
  await loaded(page, 'incidents');
  await expect(page.getByTestId('incidents')).not.toContainText(WITHHELD);
  for (const url of [meetingUrl, docUrl, incidentUrl]) {
    await page.goto(url);
    await expect(page.getByTestId('error')).toContainText('未找到，或无权查看');
  }
  await expect(page.getByText(incidentTitle)).toHaveCount(0);
});
