// Preloaded (`--import`) by scripts/run-tests.mjs. In a test file's own process — the one the test
// runner starts for it (NODE_TEST_CONTEXT=child-v8, the file as its main module) — the pipe the
// results travel back to the runner on is made blocking, so `--test-force-exit` cannot end the
// process while the last results are still buffered. Node 20 on Linux writes that pipe
// asynchronously and exits without draining it: the runner then counts fewer tests than ran, and a
// failing test among the lost ones is reported only as its file failing (nodejs/node#64833).
// Anything else (the runner itself, a process a test starts) is left as it is: a blocking stdout
// nobody reads would stall it.
if (process.env.NODE_TEST_CONTEXT === 'child-v8' && /\.test\.[cm]?[jt]s$/.test(process.argv[1] ?? '')) {
  const handle = process.stdout._handle;
  if (handle && typeof handle.setBlocking === 'function') handle.setBlocking(true);
}
