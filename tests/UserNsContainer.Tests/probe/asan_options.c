/* Linked into the tests' sanitizer build of the helper only: memory and undefined-behaviour
 * errors abort the helper (the fuzz test sees the report on stderr); leaks at exit of a
 * short-lived process that is failing anyway are not the question asked. */
const char *__asan_default_options(void);
const char *__ubsan_default_options(void);

const char *__asan_default_options(void)
{
    return "detect_leaks=0:abort_on_error=0:exitcode=86";
}

const char *__ubsan_default_options(void)
{
    return "halt_on_error=1:print_stacktrace=1:exitcode=87";
}
