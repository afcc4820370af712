// The warning ladder's cards (亮牌) as the console shows them.
const ORDER = ['blue', 'yellow', 'red'];

// The cards a task holds: each colour it was given, in ladder order (reminders are not cards).
export function cardsOf(task) {
  const got = new Set((task.warnings ?? []).map((w) => w.rung));
  return ORDER.filter((c) => got.has(c));
}

// The highest card among tasks still open, or ''.
export function worstCard(tasks) {
  let worst = -1;
  for (const t of tasks) {
    if (['TASK_STATE_CLOSED', 'TASK_STATE_CANCELLED'].includes(t.state)) continue;
    for (const c of cardsOf(t)) worst = Math.max(worst, ORDER.indexOf(c));
  }
  return worst < 0 ? '' : ORDER[worst];
}
