// What every page that changes something shares. A write is keyed by what it does to which
// version of a thing (`${task.id}/AcceptTask@${task.version}`): the key keeps one request id, so a
// click retried after a lost answer is the same write, which the service applies once. A failure
// is shown as a message in Chinese, with the service's own words kept for the page's alert.
import { ref } from 'vue';
import { ElMessage } from 'element-plus';
import { newRequestId } from './api.js';

export function useActions() {
  const error = ref('');
  const detail = ref('');
  const busy = ref(false);
  const ids = {};

  // The request id of the write `key`, the same one until the page is left.
  const requestId = (key) => (ids[key] ??= newRequestId());

  // Shows a failure (an ApiError or any Error) on the page and as a message.
  function fail(e) {
    error.value = e.message;
    detail.value = e.detail ?? '';
    ElMessage.error(e.message);
  }

  // Runs `write(requestId)` for the write `key`. On success shows `done` (when given) and returns
  // the answer; on failure shows the error and returns null.
  async function run(key, write, done) {
    busy.value = true;
    error.value = '';
    detail.value = '';
    try {
      const out = await write(requestId(key));
      if (done) ElMessage.success(done);
      return out;
    } catch (e) {
      fail(e);
      return null;
    } finally {
      busy.value = false;
    }
  }

  return { error, detail, busy, requestId, run, fail };
}
