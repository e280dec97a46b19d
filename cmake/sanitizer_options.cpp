// Default sanitizer options of every binary of a REEL_SANITIZE build (reeld and the tests),
// so a report fails the run without anyone having to set environment variables.
extern "C" const char* __ubsan_default_options() {
  return "halt_on_error=1:print_stacktrace=1:suppressions=" REEL_SOURCE_DIR "/tests/ubsan.supp";
}

extern "C" const char* __asan_default_options() { return "abort_on_error=1:detect_leaks=1"; }

extern "C" const char* __lsan_default_options() {
  return "suppressions=" REEL_SOURCE_DIR "/tests/lsan.supp";
}
