/*
 * check.h - the test harness: CHECK macros that print what they compared,
 * and a runner for a file's table of tests.
 *
 * A test file ends with
 *     static const check_test tests[] = { CHECK_TEST(ordering), ... };
 *     CHECK_MAIN(tests)
 * and runs every test, or the ones named on its command line.  A failed
 * check prints file:line, the expression and both values, and the test goes
 * on (so one run reports every failure); the program exits 1 if any failed.
 */
#ifndef OFFSIM_CHECK_H
#define OFFSIM_CHECK_H

#include <math.h>
#include <stdio.h>
#include <string.h>

extern int check_failures;
extern const char *check_current;

typedef struct check_test {
    const char *name;
    void (*fn)(void);
} check_test;

#define CHECK_TEST(fn) {#fn, fn}

#define CHECK_FAIL_(...)                                                     \
    do {                                                                     \
        fprintf(stderr, "%s:%d: %s: ", __FILE__, __LINE__, check_current);   \
        fprintf(stderr, __VA_ARGS__);                                        \
        fputc('\n', stderr);                                                 \
        check_failures++;                                                    \
    } while (0)

#define CHECK(cond)                                                          \
    do {                                                                     \
        if (!(cond))                                                         \
            CHECK_FAIL_("CHECK(%s) failed", #cond);                          \
    } while (0)

#define CHECK_EQ_I64(a, b)                                                   \
    do {                                                                     \
        long long a_ = (long long)(a), b_ = (long long)(b);                  \
        if (a_ != b_)                                                        \
            CHECK_FAIL_("%s == %s failed: %lld != %lld", #a, #b, a_, b_);    \
    } while (0)

#define CHECK_EQ_STR(a, b)                                                   \
    do {                                                                     \
        const char *a_ = (a), *b_ = (b);                                     \
        if (a_ == NULL || b_ == NULL || strcmp(a_, b_) != 0)                 \
            CHECK_FAIL_("%s == %s failed: \"%s\" != \"%s\"", #a, #b,         \
                        a_ ? a_ : "(null)", b_ ? b_ : "(null)");             \
    } while (0)

/* |a - b| <= tol */
#define CHECK_NEAR(a, b, tol)                                                \
    do {                                                                     \
        double a_ = (double)(a), b_ = (double)(b), t_ = (double)(tol);       \
        if (!(fabs(a_ - b_) <= t_))                                          \
            CHECK_FAIL_("%s ~= %s failed: %.17g vs %.17g (tolerance %g)",    \
                        #a, #b, a_, b_, t_);                                 \
    } while (0)

/* the haystack contains the needle */
#define CHECK_CONTAINS(hay, needle)                                          \
    do {                                                                     \
        const char *h_ = (hay), *n_ = (needle);                              \
        if (h_ == NULL || strstr(h_, n_) == NULL)                            \
            CHECK_FAIL_("%s does not contain \"%s\": \"%s\"", #hay, n_,      \
                        h_ ? h_ : "(null)");                                 \
    } while (0)

/*
 * Death tests: run fn(arg) in a child process and CHECK that it dies of
 * SIGABRT with every needle (a NULL-terminated list) in what it printed on
 * stderr.  The child's stderr is captured, not shown, unless the check
 * fails.
 */
void check_aborts_(const char *file, int line, const char *what, void (*fn)(void *), void *arg,
                   const char *const *needles);
#define CHECK_ABORTS(fn, arg, ...)                                           \
    check_aborts_(__FILE__, __LINE__, #fn, fn, arg,                          \
                  (const char *const[]){__VA_ARGS__, NULL})

/* ... and that fn(arg) returns normally in a child (the control case). */
void check_survives_(const char *file, int line, const char *what, void (*fn)(void *),
                     void *arg);
#define CHECK_SURVIVES(fn, arg) check_survives_(__FILE__, __LINE__, #fn, fn, arg)

int check_run(const check_test *t, size_t n, int argc, char **argv);

#define CHECK_MAIN(table)                                                    \
    int check_failures;                                                      \
    const char *check_current = "";                                          \
    int main(int argc, char **argv)                                          \
    {                                                                        \
        return check_run(table, sizeof table / sizeof *table, argc, argv);   \
    }

#endif /* OFFSIM_CHECK_H */
