// The daemon the browser test runs: two tokens (admin, read) and job types
// that end where the test needs them: echo completes; flaky fails (dead
// after one attempt) until the test creates @DIR@/healed; reject always
// fails (dead); remote fails until its breaker opens and then waits,
// paused, for a cooldown longer than the test.

export const ADMIN_TOKEN = 'admin-token-of-the-browser-test';
export const READ_TOKEN = 'read-token-of-the-browser-test';

export const CONFIG = `
shutdown_grace = "5s"
log_level = "warn"

[store]
worker_threads = 4

[server]
threads = 8
max_event_streams = 4

[[tokens]]
role = "admin"
token = "${ADMIN_TOKEN}"

[[tokens]]
role = "read"
token = "${READ_TOKEN}"

[types.echo]
handler = "exec"
[types.echo.exec]
command = ["cat"]

[types.flaky]
handler = "exec"
[types.flaky.exec]
command = ["sh", "-c", "test -e \\"$HEAL\\""]
[types.flaky.exec.environment]
HEAL = "@DIR@/healed"
[types.flaky.retry]
max_attempts = 1

[types.reject]
handler = "exec"
[types.reject.exec]
command = ["false"]
[types.reject.retry]
max_attempts = 1

[types.remote]
handler = "exec"
[types.remote.exec]
command = ["false"]
[types.remote.retry]
max_attempts = 10
[types.remote.retry.backoff]
kind = "fixed"
delay = "50ms"
[types.remote.breaker]
enabled = true
cooldown = "1h"
max_cooldown = "1h"
[types.remote.breaker.window]
kind = "count"
calls = 2
[types.remote.breaker.threshold]
kind = "count"
failures = 2
`;
