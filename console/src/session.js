// Who is signed in: the token (kept in this browser tab's session storage), the person and the
// part of the org tree they may see, for names in place of codes.
import { reactive } from 'vue';
import router from './router.js';

const KEY = 'zs.token';

export const session = reactive({
  token: sessionStorage.getItem(KEY) ?? '',
  user: null,
  tenants: {},
  units: {},
  users: {},
});

export async function loadMe() {
  if (!session.token) return false;
  const res = await fetch('/auth/me', { headers: { Authorization: `Bearer ${session.token}` } });
  if (!res.ok) {
    signOut();
    return false;
  }
  const me = await res.json();
  session.user = me.user;
  session.tenants = Object.fromEntries(me.org.tenants.map((t) => [t.code, t]));
  session.units = Object.fromEntries(me.org.units.map((u) => [u.id, u]));
  session.users = Object.fromEntries(me.org.users.map((u) => [u.id, u]));
  return true;
}

export async function devSignIn(user) {
  const res = await fetch('/auth/dev-sign-in', {
    method: 'POST',
    headers: { 'Content-Type': 'application/json' },
    body: JSON.stringify({ user }),
  });
  const data = await res.json();
  if (!res.ok) throw new Error(data.message ?? '登录失败');
  session.token = data.token;
  sessionStorage.setItem(KEY, data.token);
  await loadMe();
}

export function signOut() {
  session.token = '';
  session.user = null;
  sessionStorage.removeItem(KEY);
  if (router.currentRoute.value.meta.public !== true) router.push('/signin');
}

export function hasRole(...roles) {
  return roles.some((r) => session.user?.roles?.includes(r));
}

export const unitName = (id) => session.units[id]?.name ?? id ?? '';
export const userName = (id) => session.users[id]?.name ?? id ?? '';
export const tenantName = (code) => session.tenants[code]?.name ?? code ?? '';

export const ROLE_TEXT = {
  clerk: '信息员', editor: '信息科编辑', leader: '领导', supervisor: '督查室', unit_handler: '承办单位',
  coordinator: '综合科', office_director: '办公室主任', duty_officer: '值班员',
  proposal_office: '提案办理机构', proposer: '代表委员', admin: '管理员',
};
