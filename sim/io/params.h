/*
 * params.h - the parameter table: every scenario key, declared once.
 *
 * The scenario parser, --set, the defaults, run_param rows, sweeps,
 * `offsim help scenario` and the README's key list all read this table
 * (lwIP's opt.h and ROSS's TWOPT_* play the same part).  Each entry names
 * its section and key, its type and unit, its default as it would be
 * written in a file, its range, and one line of help.
 */
#ifndef SIM_IO_PARAMS_H
#define SIM_IO_PARAMS_H

#include <stddef.h>

#include "io/units.h"
#include "workload/world.h"

typedef enum param_type {
    PT_DURATION,   /* sim_time */
    PT_DIST,       /* dist of durations */
    PT_SIZE,       /* uint64_t bytes */
    PT_RATE,       /* uint64_t bits per second */
    PT_PER_SECOND, /* double, per second */
    PT_NUMBER,     /* double */
    PT_COUNT,      /* uint64_t */
    PT_INT,        /* int64_t, may be negative */
    PT_ENUM,       /* int, index into names */
    PT_WINDOW      /* sim_window: arrivals, run, or A..B (durations) */
} param_type;

/* Set by [host] fw2_policy unless given explicitly. */
#define PF_PRESET 0x1u
/* A [peer NAME] path key: defaults to the [link] key of the same name. */
#define PF_PATH 0x2u

typedef struct param {
    const char *section;       /* "sim" ... "workload"; "peer" for [peer NAME] */
    const char *key;
    param_type type;
    size_t offset;             /* in model_config; in peer_params for "peer" */
    const char *def;           /* default as written in a file (NULL: PF_PRESET/PF_PATH) */
    double min, max;           /* inclusive range in base units; min > max: unchecked */
    int min_open;              /* the minimum itself is refused */
    const char *const *names;  /* PT_ENUM: value names in enum order, NULL-terminated */
    const char *(*check)(const void *field); /* extra test: NULL or what was expected */
    unsigned flags;
    const char *help;
} param;

extern const param params_table[];
extern const size_t params_count;

/* The entry for section.key (section "peer" for peer keys), or NULL. */
const param *params_find(const char *section, const char *key);
/* Index of an entry in params_table. */
size_t params_index(const param *p);

/* Where the entry's value lives, in cfg or in a peer. */
void *param_field(const param *p, model_config *cfg, peer_params *peer);

/* Every parameter's value fits in this; the member is the type's. */
typedef union param_value {
    sim_time t;  /* PT_DURATION */
    uint64_t u;  /* PT_SIZE, PT_RATE, PT_COUNT */
    int64_t i;   /* PT_INT */
    double d;    /* PT_PER_SECOND, PT_NUMBER */
    dist dd;     /* PT_DIST */
    int e;       /* PT_ENUM */
    sim_window w; /* PT_WINDOW */
} param_value;

/* The size of the entry's field (of its member of param_value). */
size_t param_size(const param *p);

/*
 * Parse text as the entry's type, into x and, in SI base units, *base (a
 * distribution's first parameter; 0 for enums); no range or other check.
 * On failure returns -1 with the message in err (UNITS_ERR_MAX bytes).
 */
int param_parse_value(const param *p, const char *text, param_value *x, double *base,
                      char *err);

/*
 * Parse text into the field and check the range.  On failure returns -1
 * with "expected ..., got '...'" in err (UNITS_ERR_MAX bytes).
 */
int param_parse(const param *p, const char *text, void *field, char *err);

/* Canonical text of a value (UNITS_FMT_MAX bytes). */
char *param_format(const param *p, const void *field, char *buf);

/*
 * The value as a number in SI base units (seconds, bytes, bits/s, 1/s; a
 * distribution's mean).  Returns 0 when the value has no number (enums).
 */
int param_number(const param *p, const void *field, double *num);

/*
 * What values the key allows beyond its type, as its range and extra check
 * say ("10, 100 or 1000 (R3)", "from 1 to 255", "above 0"), into buf; NULL
 * when every value of its type is allowed (or it is a list of names).
 */
const char *param_allowed(const param *p, char *buf, size_t len);

/* The unit of param_number(): "s", "B", "bit/s", "1/s", or NULL (none). */
const char *param_si_unit(const param *p);

/* What the type reads like in help: "duration", "size", "value list"... */
const char *param_type_text(const param *p, char *buf, size_t len);

/* The sections in order, "peer" last. */
extern const char *const params_sections[];

/*
 * [host] fw2_policy presets: the text each preset gives to the keys marked
 * PF_PRESET.  Returns NULL when the preset leaves the key alone.
 */
const char *params_preset_value(int policy, const char *key);

#endif /* SIM_IO_PARAMS_H */
