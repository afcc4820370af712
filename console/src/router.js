import { createRouter, createWebHistory } from 'vue-router';

const routes = [
  { path: '/signin', component: () => import('./views/SignIn.vue'), meta: { public: true, title: '登录' } },
  { path: '/', component: () => import('./views/Todo.vue'), meta: { title: '我的待办' } },
  { path: '/reports', component: () => import('./views/Reports.vue'), meta: { title: '信息报送' } },
  { path: '/reports/new', component: () => import('./views/ReportEdit.vue'), meta: { title: '撰写信息' } },
  { path: '/reports/:id', component: () => import('./views/ReportDetail.vue'), meta: { title: '信息详情' } },
  { path: '/supervision', component: () => import('./views/Board.vue'), meta: { title: '督查督办' } },
  { path: '/supervision/items/:id', component: () => import('./views/ItemDetail.vue'), meta: { title: '督办事项' } },
  { path: '/proposals', component: () => import('./views/Proposals.vue'), meta: { title: '建议提案' } },
  { path: '/proposals/new', component: () => import('./views/ProposalEdit.vue'), meta: { title: '提交建议/提案' } },
  { path: '/proposals/:id', component: () => import('./views/ProposalDetail.vue'), meta: { title: '建议提案' } },
  { path: '/coordination', component: () => import('./views/Matters.vue'), meta: { title: '综合协调' } },
  { path: '/coordination/matters/:id', component: () => import('./views/MatterDetail.vue'), meta: { title: '协调事项' } },
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

export default router;
