import { createRouter, createWebHistory } from 'vue-router';

const routes = [
  { path: '/signin', component: () => import('./views/SignIn.vue'), meta: { public: true, title: '登录' } },
  { path: '/', component: () => import('./views/Todo.vue'), meta: { title: '我的待办' } },
  { path: '/reports', component: () => import('./views/Reports.vue'), meta: { title: '信息报送' } },
  { path: '/reports/new', component: () => import('./views/ReportEdit.vue'), meta: { title: '撰写信息' } },
  { path: '/reports/emergencies', component: () => import('./views/Emergencies.vue'), meta: { title: '紧急信息' } },
  { path: '/reports/emergencies/new', component: () => import('./views/EmergencyEdit.vue'), meta: { title: '报告突发事件' } },
  { path: '/reports/emergencies/:id', component: () => import('./views/EmergencyChain.vue'), meta: { title: '事件信息链' } },
  { path: '/reports/calls', component: () => import('./views/Calls.vue'), meta: { title: '约稿' } },
  { path: '/reports/calls/:id', component: () => import('./views/CallDetail.vue'), meta: { title: '约稿' } },
  { path: '/reports/bulletins', component: () => import('./views/Bulletins.vue'), meta: { title: '期刊' } },
  { path: '/reports/bulletins/:id', component: () => import('./views/BulletinDetail.vue'), meta: { title: '期刊' } },
  { path: '/reports/rankings', component: () => import('./views/Rankings.vue'), meta: { title: '信息工作排名' } },
  { path: '/reports/:id', component: () => import('./views/ReportDetail.vue'), meta: { title: '信息详情' } },
  { path: '/supervision', component: () => import('./views/Board.vue'), meta: { title: '督查督办' } },
  { path: '/supervision/items/:id', component: () => import('./views/ItemDetail.vue'), meta: { title: '督办事项' } },
  { path: '/proposals', component: () => import('./views/Proposals.vue'), meta: { title: '建议提案' } },
  { path: '/proposals/new', component: () => import('./views/ProposalEdit.vue'), meta: { title: '提交建议/提案' } },
  { path: '/proposals/statistics', component: () => import('./views/ProposalStats.vue'), meta: { title: '建议提案办理统计' } },
  { path: '/proposals/:id', component: () => import('./views/ProposalDetail.vue'), meta: { title: '建议提案' } },
  { path: '/coordination', component: () => import('./views/Matters.vue'), meta: { title: '综合协调' } },
  { path: '/coordination/matters/:id', component: () => import('./views/MatterDetail.vue'), meta: { title: '协调事项' } },
  { path: '/coordination/meetings', component: () => import('./views/Meetings.vue'), meta: { title: '会议' } },
  { path: '/coordination/meetings/:id', component: () => import('./views/MeetingDetail.vue'), meta: { title: '会议' } },
  { path: '/coordination/schedule', component: () => import('./views/Schedule.vue'), meta: { title: '领导周程' } },
  { path: '/coordination/documents', component: () => import('./views/Documents.vue'), meta: { title: '文件流转' } },
  { path: '/coordination/documents/:id', component: () => import('./views/DocumentDetail.vue'), meta: { title: '文件流转' } },
  { path: '/coordination/duty', component: () => import('./views/Duty.vue'), meta: { title: '值班' } },
  { path: '/coordination/incidents/:id', component: () => import('./views/IncidentDetail.vue'), meta: { title: '突发事件处置' } },
  { path: '/dashboard', component: () => import('./views/Dashboard.vue'), meta: { title: '统计分析' } },
  { path: '/public/replies', component: () => import('./views/PublicReplies.vue'), meta: { public: true, title: '公开答复' } },
  { path: '/:rest(.*)*', component: () => import('./views/NotFound.vue'), meta: { public: true, title: '未找到' } },
];

const router = createRouter({ history: createWebHistory(), routes });

router.beforeEach(async (to) => {
  document.title = `${to.meta.title ?? ''} · 中枢`;
  if (to.meta.public) return true;
  const { session, loadMe } = await import('./session.js');
  if (!session.token) return { path: '/signin', query: { next: to.fullPath } };
  if (!session.user && !(await loadMe())) return { path: '/signin', query: { next: to.fullPath } };
  return true;
});

// A page's code from an older build of the console (replaced since this tab loaded it) is gone:
// load the page afresh, which brings the new build's index and chunks.
router.onError((err, to) => {
  if (/dynamically imported module|Importing a module script failed/.test(err?.message ?? '')) {
    window.location.assign(to.fullPath);
  }
});

export default router;
