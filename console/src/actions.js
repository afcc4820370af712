// What every page that changes something shares. A write is keyed by what it does to which
// version of a thing (`${task.id}/AcceptTask@${task.version}`): the key keeps one request id, so a
// click retried after a lost answer is the same write, which the service applies once. A failure
// is shown as a message in Chinese, with the service's own words kept for the page's alert — or
// for the open dialog's, when the write came from one.
import { ref } from 'vue';
import { ElMessage } from 'element-plus';
import { requestIds } from './api.js';

// `explain(e)`: the Chinese message for a failure (default: the ApiError's own); `inDialog()`:
// whether a dialog is open, whose form then shows the failure (formError, formDetail).
export function useActions({ explain = (e) => e.message, inDialog = () => false } = {}) {
  const error = ref('');
  const detail = ref('');
  const formError = ref('');
  const formDetail = ref('');
  const busy = ref(false);
  const requestId = requestIds();

  // Shows a failure (an ApiError or any Error) on the page or in the dialog, and as a message.
  function fail(e) {
    const msg = explain(e);
    if (inDialog()) {
      formError.value = msg;
      formDetail.value = e.detail ?? '';
    } else {
      error.value = msg;
      detail.value = e.detail ?? '';
    }
    ElMessage.error(msg);
  }

  // Runs `write(requestId)` for the write `key`. On success shows `done` (when given) and returns
  // the answer; on failure shows the error and returns null.
  async function run(key, write, done) {
    busy.value = true;
    error.value = '';
    detail.value = '';
    formError.value = '';
    formDetail.value = '';
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

  return { error, detail, formError, formDetail, busy, requestId, run, fail };
}
