/*
 * scenario.c - scenario files, parsed with libinih (see scenario.h).
 *
 * libinih does the INI syntax; this file supplies its reader, so that
 *   - line numbers are known in the handler (Debian's libinih is built
 *     without INI_HANDLER_LINENO): the reader counts the lines it hands over;
 *   - a setting longer than inih's line buffer (INI_MAX_LINE, 200 bytes in
 *     Debian's build) is an error naming its line, not a silent cut;
 *   - comments may follow a value after whitespace, with ';' or '#', and
 *     leading whitespace never makes a continuation line;
 *   - section headers are seen as they come, so an empty [peer NAME]
 *     section still declares its class, and a bad header is reported once.
 *
 * Values are parsed and range-checked by the parameter table (params.c).
 */
#include "scenario.h"

#include <ctype.h>
#include <errno.h>
#include <limits.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <ini.h>
#include <nettle/sha2.h>

#include "engine/err.h"

/* ---- small helpers ---------------------------------------------------- */

static char *dup_str(const char *s)
{
    size_t n = strlen(s) + 1;
    char *p = malloc(n);

    if (p)
        memcpy(p, s, n);
    return p;
}

static void hex(const uint8_t *b, size_t n, char *out)
{
    static const char digits[] = "0123456789abcdef";

    for (size_t i = 0; i < n; i++) {
        out[2 * i] = digits[b[i] >> 4];
        out[2 * i + 1] = digits[b[i] & 15];
    }
    out[2 * n] = '\0';
}

/* Edit distance, for "did you mean"; names are short. */
static size_t distance(const char *a, const char *b)
{
    size_t la = strlen(a), lb = strlen(b), row[64];

    if (la >= 64 || lb >= 64)
        return 64;
    for (size_t j = 0; j <= lb; j++)
        row[j] = j;
    for (size_t i = 1; i <= la; i++) {
        size_t diag = row[0];

        row[0] = i;
        for (size_t j = 1; j <= lb; j++) {
            size_t up = row[j];
            size_t cost = a[i - 1] == b[j - 1] ? 0 : 1;
            size_t best = diag + cost;

            if (row[j] + 1 < best)
                best = row[j] + 1;
            if (row[j - 1] + 1 < best)
                best = row[j - 1] + 1;
            row[j] = best;
            diag = up;
        }
    }
    return row[lb];
}

static int valid_peer_name(const char *s)
{
    if (*s == '\0' || strlen(s) >= PEER_NAME_MAX)
        return 0;
    for (; *s; s++)
        if (!isalnum((unsigned char)*s) && *s != '_' && *s != '-')
            return 0;
    return 1;
}

/* [sweep] is not in the parameter table: it describes runs, not a model. */
static int is_section(const char *s)
{
    if (strcmp(s, "sweep") == 0)
        return 1;
    for (size_t i = 0; params_sections[i]; i++)
        if (strcmp(params_sections[i], s) == 0)
            return 1;
    return 0;
}

/* The first entry, in any section, with this key name; NULL if none. */
static const param *key_anywhere(const char *key)
{
    for (size_t i = 0; i < params_count; i++)
        if (strcmp(params_table[i].key, key) == 0)
            return &params_table[i];
    return NULL;
}

/*
 * The best suggestion for an unknown key of `section`: a close key of the
 * same section, or the same key in another section.  Writes "; did you
 * mean ...?" into buf, or nothing.
 */
static void suggest_key(const char *section, const char *key, char *buf, size_t len)
{
    const param *best = NULL;
    size_t bestd = 3; /* at most two edits */

    buf[0] = '\0';
    for (size_t i = 0; i < params_count; i++) {
        const param *p = &params_table[i];
        size_t dd;

        if (strcmp(p->section, section) != 0)
            continue;
        dd = distance(key, p->key);
        if (dd < bestd) {
            bestd = dd;
            best = p;
        }
    }
    if (best != NULL) {
        snprintf(buf, len, "; did you mean '%s'?", best->key);
        return;
    }
    if ((best = key_anywhere(key)) != NULL)
        snprintf(buf, len, "; did you mean [%s%s] %s?", best->section,
                 strcmp(best->section, "peer") == 0 ? " NAME" : "", best->key);
}

static void suggest_section(const char *name, char *buf, size_t len)
{
    const char *best = NULL;
    size_t bestd = 3;

    buf[0] = '\0';
    for (size_t i = 0; params_sections[i]; i++) {
        size_t dd = distance(name, params_sections[i]);

        if (dd < bestd) {
            bestd = dd;
            best = params_sections[i];
        }
    }
    if (distance(name, "sweep") < bestd)
        best = "sweep";
    if (best != NULL)
        snprintf(buf, len, "; did you mean [%s%s]?", best,
                 strcmp(best, "peer") == 0 ? " NAME" : "");
}

/* ---- the scenario object --------------------------------------------- */

static void suggest_peer(const scenario *sc, const char *name, char *buf, size_t len);

static void apply_defaults(scenario *sc, peer_params *peer)
{
    char err[UNITS_ERR_MAX];

    for (size_t i = 0; i < params_count; i++) {
        const param *p = &params_table[i];
        int is_peer = strcmp(p->section, "peer") == 0;
        int rc;

        if (p->def == NULL || is_peer != (peer != NULL))
            continue;
        rc = param_parse(p, p->def, param_field(p, &sc->cfg, peer), err);
        SIM_ASSERT(rc == 0, "default of %s.%s does not parse: %s", p->section,
                   p->key, err);
    }
}

static scenario *scenario_new(const char *path)
{
    scenario *sc = calloc(1, sizeof *sc);

    if (sc == NULL)
        return NULL;
    sc->path = dup_str(path);
    sc->given = calloc(params_count, sizeof *sc->given);
    if (sc->path == NULL || sc->given == NULL) {
        scenario_free(sc);
        return NULL;
    }
    apply_defaults(sc, NULL);
    return sc;
}

void scenario_free(scenario *sc)
{
    if (sc == NULL)
        return;
    free(sc->path);
    free(sc->text);
    free(sc->given);
    free(sc->peer_given);
    free(sc->cfg.peers);
    for (size_t i = 0; i < sc->nsweep; i++) {
        free(sc->sweep[i].key);
        free(sc->sweep[i].value);
    }
    free(sc->sweep);
    free(sc);
}

/* The nearest peer class to an unknown one ("; did you mean [peer web]?"), or
 * the classes there are. */
static void suggest_peer(const scenario *sc, const char *name, char *buf, size_t len)
{
    const char *best = NULL;
    size_t bestd = 3, n = 0;

    buf[0] = '\0';
    for (size_t i = 0; i < sc->cfg.npeers; i++) {
        size_t dd = distance(name, sc->cfg.peers[i].name);

        if (dd < bestd) {
            bestd = dd;
            best = sc->cfg.peers[i].name;
        }
    }
    if (best != NULL) {
        snprintf(buf, len, "; did you mean [peer %s]?", best);
        return;
    }
    n = (size_t)snprintf(buf, len, "; its classes:");
    for (size_t i = 0; i < sc->cfg.npeers && n < len; i++)
        n += (size_t)snprintf(buf + n, len - n, "%s %s", i ? "," : "", sc->cfg.peers[i].name);
}

int scenario_peer_index(const scenario *sc, const char *name)
{
    for (size_t i = 0; i < sc->cfg.npeers; i++)
        if (strcmp(sc->cfg.peers[i].name, name) == 0)
            return (int)i;
    return -1;
}

/* The class named `name`, created with its defaults if new; -1 on ENOMEM. */
static int peer_get(scenario *sc, const char *name)
{
    int i = scenario_peer_index(sc, name);
    peer_params *p;

    if (i >= 0)
        return i;
    if (sc->cfg.npeers == sc->peer_cap) {
        size_t cap = sc->peer_cap ? sc->peer_cap * 2 : 4;
        peer_params *np = realloc(sc->cfg.peers, cap * sizeof *np);
        int *ng;

        if (np == NULL)
            return -1;
        sc->cfg.peers = np;
        ng = realloc(sc->peer_given, cap * params_count * sizeof *ng);
        if (ng == NULL)
            return -1;
        sc->peer_given = ng;
        sc->peer_cap = cap;
    }
    i = (int)sc->cfg.npeers++;
    p = &sc->cfg.peers[i];
    memset(p, 0, sizeof *p);
    snprintf(p->name, sizeof p->name, "%s", name);
    memset(&sc->peer_given[(size_t)i * params_count], 0,
           params_count * sizeof *sc->peer_given);
    apply_defaults(sc, p);
    return i;
}

static int *given_slot(scenario *sc, const param *p, int peer)
{
    size_t k = params_index(p);

    return peer < 0 ? &sc->given[k] : &sc->peer_given[(size_t)peer * params_count + k];
}

int scenario_given(const scenario *sc, const param *p, int peer)
{
    size_t k = params_index(p);

    return peer < 0 ? sc->given[k] : sc->peer_given[(size_t)peer * params_count + k];
}

/*
 * Set one key.  `where` is "file:line" or "--set ARG" for messages; line is
 * the line number or SCENARIO_FROM_SET.
 */
static int set_value(scenario *sc, const param *p, int peer, const char *value,
                     const char *where, int line, sim_diag *d)
{
    char err[UNITS_ERR_MAX], sect[PEER_NAME_MAX + 8];
    int *given = given_slot(sc, p, peer);
    void *field = param_field(p, &sc->cfg, peer >= 0 ? &sc->cfg.peers[peer] : NULL);

    if (peer >= 0)
        snprintf(sect, sizeof sect, "peer %s", sc->cfg.peers[peer].name);
    else
        snprintf(sect, sizeof sect, "%s", p->section);
    if (line > 0 && *given > 0) {
        diag_add(d, "%s: [%s] %s is set twice (first on line %d)", where, sect, p->key,
                 *given);
        return SIM_ESCENARIO;
    }
    if (param_parse(p, value, field, err) != 0) {
        diag_add(d, "%s: [%s] %s: %s", where, sect, p->key, err);
        return SIM_ESCENARIO;
    }
    *given = line;
    return SIM_OK;
}

/* ---- parsing a file --------------------------------------------------- */

typedef struct parse_ctx {
    scenario *sc;
    sim_diag *d;
    const char *text;
    size_t len;
    size_t pos;
    int line;         /* number of the line last handed to inih */
    int section_ok;   /* the current section is known (keys are checked) */
    int in_sweep;     /* the current section is [sweep] */
    int peer;         /* index of the current [peer NAME], or -1 */
    int errors;       /* diagnostics added while parsing */
} parse_ctx;

#if defined(__GNUC__)
__attribute__((format(printf, 2, 3)))
#endif
static void parse_error(parse_ctx *c, const char *fmt, ...)
{
    char msg[DIAG_LEN];
    va_list ap;

    va_start(ap, fmt);
    vsnprintf(msg, sizeof msg, fmt, ap);
    va_end(ap);
    diag_add(c->d, "%s:%d: %s", c->sc->path, c->line, msg);
    c->errors++;
}

/* A section header as the reader sees it: "[name]" (content already trimmed). */
static void section_header(parse_ctx *c, const char *s, size_t n)
{
    char name[DIAG_LEN], hint[128];
    const char *close = memchr(s, ']', n);
    size_t len;
    char *p;

    c->section_ok = 0;
    c->in_sweep = 0;
    c->peer = -1;
    if (close == NULL || (size_t)(close - s) + 1 != n) {
        snprintf(name, sizeof name, "%.*s", (int)n, s);
        parse_error(c, "expected a section header such as [host], got '%s'", name);
        return;
    }
    len = (size_t)(close - s) - 1;
    snprintf(name, sizeof name, "%.*s", (int)len, s + 1);
    for (p = name; *p && !isspace((unsigned char)*p); p++)
        ;
    if (strncmp(name, "peer", 4) == 0 && (name[4] == '\0' || isspace((unsigned char)name[4]))) {
        char *nm = name + 4;

        while (isspace((unsigned char)*nm))
            nm++;
        if (!valid_peer_name(nm)) {
            parse_error(c,
                        "expected [peer NAME] with a NAME of letters, digits, '_' or "
                        "'-' (at most 63), got '[%s]'", name);
            return;
        }
        c->peer = peer_get(c->sc, nm);
        if (c->peer < 0) {
            parse_error(c, "out of memory");
            return;
        }
        c->section_ok = 1;
        return;
    }
    if (*p != '\0' || !is_section(name) || strcmp(name, "peer") == 0) {
        suggest_section(name, hint, sizeof hint);
        parse_error(c,
                    "unknown section [%s]%s (sections: sim, link, host, nic, tcp, "
                    "offload, workload, peer NAME, sweep)", name, hint);
        return;
    }
    c->section_ok = 1;
    c->in_sweep = strcmp(name, "sweep") == 0;
}

/* A [sweep] line: kept as written, checked by io/sweep.c. */
static void sweep_entry(parse_ctx *c, const char *key, const char *value)
{
    scenario *sc = c->sc;
    scenario_sweep_entry *v;

    for (size_t i = 0; i < sc->nsweep; i++)
        if (strcmp(sc->sweep[i].key, key) == 0) {
            parse_error(c, "[sweep] %s is set twice (first on line %d)", key, sc->sweep[i].line);
            return;
        }
    v = realloc(sc->sweep, (sc->nsweep + 1) * sizeof *v);
    if (v == NULL) {
        parse_error(c, "out of memory");
        return;
    }
    sc->sweep = v;
    v = &sc->sweep[sc->nsweep];
    v->key = dup_str(key);
    v->value = dup_str(value);
    v->line = c->line;
    if (v->key == NULL || v->value == NULL) {
        free(v->key);
        free(v->value);
        parse_error(c, "out of memory");
        return;
    }
    sc->nsweep++;
}

/*
 * inih's reader: hand over the next line, trimmed of leading white space
 * and of comments, counting lines.  A setting longer than inih's buffer is
 * reported and replaced by an empty line.
 */
static char *reader(char *str, int num, void *stream)
{
    parse_ctx *c = stream;
    const char *s, *nl;
    size_t n, limit = num > 2 ? (size_t)num - 2 : 0;

    if (c->pos >= c->len)
        return NULL;
    s = c->text + c->pos;
    nl = memchr(s, '\n', c->len - c->pos);
    n = nl ? (size_t)(nl - s) : c->len - c->pos;
    c->pos += n + (nl != NULL);
    c->line++;
    if (n > 0 && s[n - 1] == '\r')
        n--;
    while (n > 0 && isspace((unsigned char)*s)) {
        s++;
        n--;
    }
    for (size_t i = 0; i < n; i++) {
        if ((s[i] == ';' || s[i] == '#') && (i == 0 || isspace((unsigned char)s[i - 1]))) {
            n = i;
            break;
        }
    }
    while (n > 0 && isspace((unsigned char)s[n - 1]))
        n--;
    if (n > limit) {
        parse_error(c, "line too long: %zu characters of setting, the parser's limit is %zu",
                    n, limit);
        n = 0;
    } else if (n > 0 && s[0] == '[') {
        section_header(c, s, n);
    } else if (n > 0 && memchr(s, '=', n) == NULL && memchr(s, ':', n) == NULL) {
        char got[DIAG_LEN];

        snprintf(got, sizeof got, "%.*s", (int)(n > 80 ? 80 : n), s);
        parse_error(c, "expected 'key = value' or a [section] header, got '%s'", got);
        n = 0;
    }
    memcpy(str, s, n);
    str[n] = '\n';
    str[n + 1] = '\0';
    return str;
}

static int handler(void *user, const char *section, const char *name, const char *value)
{
    parse_ctx *c = user;
    const param *p;
    char where[DIAG_LEN], hint[128] = "";

    if (section[0] == '\0') {
        if ((p = key_anywhere(name)) != NULL)
            snprintf(hint, sizeof hint, "; put it under [%s%s]", p->section,
                     strcmp(p->section, "peer") == 0 ? " NAME" : "");
        parse_error(c, "key '%s' comes before any [section]%s", name, hint);
        return 1;
    }
    if (!c->section_ok)
        return 1; /* the header was reported */
    if (c->in_sweep) {
        sweep_entry(c, name, value);
        return 1;
    }
    p = params_find(c->peer >= 0 ? "peer" : section, name);
    if (p == NULL) {
        suggest_key(c->peer >= 0 ? "peer" : section, name, hint, sizeof hint);
        parse_error(c, "[%s] unknown key '%s'%s", section, name, hint);
        return 1;
    }
    snprintf(where, sizeof where, "%s:%d", c->sc->path, c->line);
    if (set_value(c->sc, p, c->peer, value, where, c->line, c->d) != SIM_OK)
        c->errors++;
    return 1;
}

int scenario_load_text(const char *name, const char *text, size_t len, scenario **out,
                       sim_diag *d)
{
    scenario *sc = scenario_new(name);
    parse_ctx c;
    struct sha256_ctx h;
    uint8_t digest[SHA256_DIGEST_SIZE];
    int rc;

    *out = NULL;
    if (sc == NULL || (sc->text = malloc(len + 1)) == NULL) {
        scenario_free(sc);
        diag_add(d, "%s: out of memory", name);
        return SIM_ENOMEM;
    }
    memcpy(sc->text, text, len);
    sc->text[len] = '\0';
    sc->text_len = len;
    sha256_init(&h);
    sha256_update(&h, len, (const uint8_t *)text);
    sha256_digest(&h, sizeof digest, digest);
    hex(digest, sizeof digest, sc->sha256);
    if (memchr(text, '\0', len) != NULL) {
        diag_add(d, "%s: not a text file (it contains a NUL byte)", name);
        scenario_free(sc);
        return SIM_ESCENARIO;
    }

    memset(&c, 0, sizeof c);
    c.sc = sc;
    c.d = d;
    c.text = sc->text;
    c.len = len;
    c.peer = -1;
    /* A UTF-8 byte order mark (editors on Windows write one) is not text. */
    if (len >= 3 && memcmp(sc->text, "\xef\xbb\xbf", 3) == 0)
        c.pos = 3;
    rc = ini_parse_stream(reader, &c, handler, &c);
    if (rc == -2) {
        diag_add(d, "%s: out of memory while parsing", name);
        c.errors++;
    } else if (rc > 0 && c.errors == 0) {
        diag_add(d, "%s:%d: expected 'key = value' or a [section] header", name, rc);
        c.errors++;
    }
    if (c.errors) {
        scenario_free(sc);
        return SIM_ESCENARIO;
    }
    /* A file without [peer NAME] sections has one class of default peers. */
    if (sc->cfg.npeers == 0 && peer_get(sc, "default") < 0) {
        scenario_free(sc);
        diag_add(d, "%s: out of memory", name);
        return SIM_ENOMEM;
    }
    *out = sc;
    return SIM_OK;
}

int scenario_load(const char *path, scenario **out, sim_diag *d)
{
    FILE *f = fopen(path, "rb");
    char *buf = NULL;
    size_t len = 0, cap = 0;
    int rc;

    *out = NULL;
    if (f == NULL) {
        diag_add(d, "%s: cannot read the scenario: %s", path, strerror(errno));
        return SIM_ESCENARIO;
    }
    for (;;) {
        size_t got;

        if (len == cap) {
            char *nb;

            cap = cap ? cap * 2 : 4096;
            if (cap > ((size_t)64 << 20) || (nb = realloc(buf, cap)) == NULL) {
                diag_add(d, "%s: scenario file too large (over 64 MB) or out of memory",
                         path);
                free(buf);
                fclose(f);
                return SIM_ESCENARIO;
            }
            buf = nb;
        }
        got = fread(buf + len, 1, cap - len, f);
        len += got;
        if (got == 0)
            break;
    }
    if (ferror(f)) {
        diag_add(d, "%s: cannot read the scenario: %s", path, strerror(errno));
        free(buf);
        fclose(f);
        return SIM_ESCENARIO;
    }
    fclose(f);
    rc = scenario_load_text(path, buf ? buf : "", len, out, d);
    free(buf);
    return rc;
}

/* ---- overrides, resolution, output ------------------------------------ */

#define HINT_MAX 128

/* scenario_key() with buf a copy of key that it may cut up (or NULL). */
static const param *lookup_key(const scenario *sc, const char *key, char *buf, int *peer,
                               char *err)
{
    char *dot, *name, hint[HINT_MAX];
    const param *p;

    *peer = -1;
    if (buf == NULL)
        return NULL;
    if ((dot = strchr(buf, '.')) == NULL) {
        snprintf(err, UNITS_ERR_MAX, "expected section.key, got '%.80s'", key);
        return NULL;
    }
    *dot = '\0';
    name = dot + 1;
    if (strcmp(buf, "peer") == 0) {
        char *kd = strrchr(name, '.');

        if (kd == NULL) {
            snprintf(err, UNITS_ERR_MAX, "expected peer.NAME.key, got '%.80s'", key);
            return NULL;
        }
        *kd = '\0';
        *peer = scenario_peer_index(sc, name);
        if (*peer < 0) {
            suggest_peer(sc, name, hint, sizeof hint);
            snprintf(err, UNITS_ERR_MAX, "the scenario has no [peer %.60s] section%.120s", name,
                     hint);
            return NULL;
        }
        name = kd + 1;
    } else if (strcmp(buf, "sweep") == 0) {
        snprintf(err, UNITS_ERR_MAX,
                 "[sweep] keys are not scenario keys: a sweep takes them as --vary KEY=SPEC, "
                 "--seeds N|A-B and --jobs J (or from a [sweep] section in the file)");
        return NULL;
    } else if (!is_section(buf)) {
        suggest_section(buf, hint, sizeof hint);
        snprintf(err, UNITS_ERR_MAX, "unknown section [%.60s]%s", buf, hint);
        return NULL;
    }
    p = params_find(buf, name);
    if (p == NULL) {
        suggest_key(buf, name, hint, sizeof hint);
        snprintf(err, UNITS_ERR_MAX, "unknown key [%.60s] %.60s%.120s", buf, name, hint);
    }
    return p;
}

const param *scenario_key(const scenario *sc, const char *key, int *peer, char *err)
{
    char *buf = dup_str(key);
    const param *p = lookup_key(sc, key, buf, peer, err);

    if (buf == NULL)
        snprintf(err, UNITS_ERR_MAX, "out of memory");
    free(buf);
    return p;
}

int scenario_set(scenario *sc, const char *assignment, sim_diag *d)
{
    const char *eq = strchr(assignment, '='), *dot = strchr(assignment, '.');
    char *key;
    int rc;

    if (eq == NULL || eq == assignment || dot == NULL || dot > eq) {
        diag_add(d, "--set %s: expected section.key=value (e.g. nic.fin_wait_2_timeout=60s)",
                 assignment);
        return SIM_ESCENARIO;
    }
    if ((key = malloc((size_t)(eq - assignment) + 1)) == NULL) {
        diag_add(d, "--set %s: out of memory", assignment);
        return SIM_ENOMEM;
    }
    memcpy(key, assignment, (size_t)(eq - assignment));
    key[eq - assignment] = '\0';
    rc = scenario_set_key(sc, key, eq + 1, d);
    free(key);
    return rc;
}

int scenario_set_key(scenario *sc, const char *key, const char *value, sim_diag *d)
{
    char where[DIAG_LEN], err[UNITS_ERR_MAX];
    const param *p;
    int peer;

    /* Only the message is cut when it is long; the value never is. */
    snprintf(where, sizeof where, "--set %s=%s", key, value);
    p = scenario_key(sc, key, &peer, err);
    if (p == NULL) {
        diag_add(d, "%s: %s", where, err);
        return SIM_ESCENARIO;
    }
    return set_value(sc, p, peer, value, where, SCENARIO_FROM_SET, d);
}

/*
 * Where a section key got its value, for a check across keys: *rank orders
 * the origins (0 a default or preset, the file's line, INT_MAX --set), and
 * `at` says it as a message's place ("x.ini:7", "--set section.key") and
 * `from` as an aside (", line 7", ", from --set", ", the default").
 */
static void origin(const scenario *sc, const char *section, const char *key, int *rank,
                   char *at, char *from, size_t len) /* from: len / 2 bytes */
{
    const param *p = params_find(section, key);
    int line = p ? scenario_given(sc, p, -1) : 0;

    if (line > 0) {
        *rank = line;
        snprintf(at, len, "%s:%d", sc->path, line);
        snprintf(from, len / 2, ", line %d", line);
    } else if (line == SCENARIO_FROM_SET) {
        *rank = INT_MAX;
        snprintf(at, len, "--set %s.%s", section, key);
        snprintf(from, len / 2, ", from --set");
    } else {
        *rank = 0;
        snprintf(at, len, "%s", sc->path);
        snprintf(from, len / 2, ", %s", p && (p->flags & PF_PRESET) ? "the fw2_policy preset"
                                                                     : "the default");
    }
}

/*
 * A check across two keys of one section failed: the message is placed at
 * the later of the two (where the user made the pair wrong), gives both
 * values, and says where the other one came from.
 */
static void cross_error(const scenario *sc, sim_diag *d, const char *section, const char *a,
                        sim_time va, const char *relation, const char *b, sim_time vb)
{
    char at_a[DIAG_LEN / 2], from_a[DIAG_LEN / 4], at_b[DIAG_LEN / 2], from_b[DIAG_LEN / 4];
    char ta[UNITS_FMT_MAX], tb[UNITS_FMT_MAX];
    int ra, rb;

    origin(sc, section, a, &ra, at_a, from_a, sizeof at_a);
    origin(sc, section, b, &rb, at_b, from_b, sizeof at_b);
    units_fmt_duration(va, ta);
    units_fmt_duration(vb, tb);
    if (ra >= rb)
        diag_add(d, "%s: [%s] %s (%s) %s %s (%s%s)", at_a, section, a, ta, relation, b, tb,
                 from_b);
    else
        diag_add(d, "%s: [%s] %s (%s%s) %s %s (%s)", at_b, section, a, ta, from_a, relation, b,
                 tb);
}

int scenario_resolve(scenario *sc, sim_diag *d)
{
    model_config *cfg = &sc->cfg;
    char err[UNITS_ERR_MAX];
    double shares = 0;
    int bad = 0;

    /* A11: the preset fills the host keys that were not given. */
    for (size_t i = 0; i < params_count; i++) {
        const param *p = &params_table[i];
        const char *v;

        if (!(p->flags & PF_PRESET) || sc->given[i] != 0)
            continue;
        v = params_preset_value((int)cfg->host.fw2_policy, p->key);
        SIM_ASSERT(v != NULL && param_parse(p, v, param_field(p, cfg, NULL), err) == 0,
                   "preset value for host.%s", p->key);
    }
    /* Peer paths default to [link]. */
    for (size_t k = 0; k < cfg->npeers; k++) {
        peer_params *pp = &cfg->peers[k];

        for (size_t i = 0; i < params_count; i++) {
            const param *p = &params_table[i];
            const param *lp;

            if (!(p->flags & PF_PATH) || sc->peer_given[k * params_count + i] != 0)
                continue;
            lp = params_find("link", p->key);
            SIM_ASSERT(lp != NULL && lp->type == p->type, "peer path key %s", p->key);
            memcpy(param_field(p, cfg, pp), param_field(lp, cfg, NULL), param_size(p));
        }
        shares += pp->share;
    }
    if (!(shares > 0)) {
        diag_add(d, "%s: every [peer] share is 0; at least one class needs a positive share",
                 sc->path);
        bad = 1;
    }
    if (cfg->host.rto_min > cfg->host.rto_max) {
        cross_error(sc, d, "host", "rto_min", cfg->host.rto_min, "is above", "rto_max",
                    cfg->host.rto_max);
        bad = 1;
    }
    if (cfg->sim.warmup >= cfg->sim.duration) {
        cross_error(sc, d, "sim", "warmup", cfg->sim.warmup, "must be shorter than", "duration",
                    cfg->sim.duration);
        bad = 1;
    }
    return bad ? SIM_ESCENARIO : SIM_OK;
}

int scenario_dup(const scenario *sc, scenario **out)
{
    scenario *c = calloc(1, sizeof *c);
    size_t np = sc->peer_cap;

    *out = NULL;
    if (c == NULL)
        return SIM_ENOMEM;
    *c = *sc;
    c->sweep = NULL; /* a copy is one run: the sweep stays with the original */
    c->nsweep = 0;
    c->path = dup_str(sc->path);
    c->text = malloc(sc->text_len + 1);
    c->given = malloc(params_count * sizeof *c->given);
    c->cfg.peers = np ? malloc(np * sizeof *c->cfg.peers) : NULL;
    c->peer_given = np ? malloc(np * params_count * sizeof *c->peer_given) : NULL;
    if (c->path == NULL || c->text == NULL || c->given == NULL ||
        (np && (c->cfg.peers == NULL || c->peer_given == NULL))) {
        scenario_free(c);
        return SIM_ENOMEM;
    }
    memcpy(c->text, sc->text, sc->text_len + 1);
    memcpy(c->given, sc->given, params_count * sizeof *c->given);
    if (np) {
        memcpy(c->cfg.peers, sc->cfg.peers, sc->cfg.npeers * sizeof *c->cfg.peers);
        memcpy(c->peer_given, sc->peer_given, np * params_count * sizeof *c->peer_given);
    }
    *out = c;
    return SIM_OK;
}

static void each_one(const param *p, const void *field, const char *key,
                     scenario_param_fn *fn, void *arg)
{
    char val[UNITS_FMT_MAX];
    double num;

    fn(arg, key, param_format(p, field, val), param_number(p, field, &num) ? &num : NULL);
}

void scenario_each_param(const scenario *sc, scenario_param_fn *fn, void *arg)
{
    model_config *cfg = (model_config *)&sc->cfg;
    char key[PEER_NAME_MAX + 64];

    for (size_t i = 0; i < params_count; i++) {
        const param *p = &params_table[i];

        if (strcmp(p->section, "peer") == 0)
            continue;
        snprintf(key, sizeof key, "%s.%s", p->section, p->key);
        each_one(p, param_field(p, cfg, NULL), key, fn, arg);
    }
    for (size_t k = 0; k < cfg->npeers; k++) {
        for (size_t i = 0; i < params_count; i++) {
            const param *p = &params_table[i];

            if (strcmp(p->section, "peer") != 0)
                continue;
            snprintf(key, sizeof key, "peer.%s.%s", cfg->peers[k].name, p->key);
            each_one(p, param_field(p, cfg, &cfg->peers[k]), key, fn, arg);
        }
    }
}

static void hash_param(void *arg, const char *key, const char *value, const double *num)
{
    struct sha256_ctx *h = arg;

    (void)num;
    sha256_update(h, strlen(key), (const uint8_t *)key);
    sha256_update(h, 1, (const uint8_t *)"=");
    sha256_update(h, strlen(value), (const uint8_t *)value);
    sha256_update(h, 1, (const uint8_t *)"\n");
}

void scenario_identity(const scenario *sc, const char *engine, char out[65])
{
    struct sha256_ctx h;
    uint8_t digest[SHA256_DIGEST_SIZE];
    static const char tag[] = "offsim run identity v1\n";

    sha256_init(&h);
    sha256_update(&h, sizeof tag - 1, (const uint8_t *)tag);
    sha256_update(&h, sc->text_len + 1, (const uint8_t *)sc->text); /* with its NUL */
    scenario_each_param(sc, hash_param, &h);
    sha256_update(&h, strlen(engine), (const uint8_t *)engine);
    sha256_digest(&h, sizeof digest, digest);
    hex(digest, sizeof digest, out);
}
