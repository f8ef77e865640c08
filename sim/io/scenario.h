/*
 * scenario.h - scenario files: INI text to a resolved model_config.
 *
 * Loading is three steps, so that --set and sweeps override a file's keys
 * before presets and defaults are worked out:
 *
 *     scenario_load(path)        parse the file (libinih), defaults applied
 *     scenario_set(sc, "k=v")    any number of overrides (--set, --seed, sweeps)
 *     scenario_resolve(sc)       fw2_policy presets for keys not given, peer
 *                                paths from [link], checks across keys
 *
 * Every failure adds a located message to the sim_diag and returns
 * SIM_ESCENARIO; nothing is written anywhere.
 */
#ifndef SIM_IO_SCENARIO_H
#define SIM_IO_SCENARIO_H

#include <stddef.h>

#include "io/diag.h"
#include "io/params.h"
#include "workload/world.h"

typedef struct scenario {
    model_config cfg;  /* resolved once scenario_resolve() succeeded */
    char *path;        /* as given on the command line */
    char *text;        /* the file's bytes, NUL-terminated */
    size_t text_len;
    char sha256[65];   /* of text, lower-case hex */
    /* Where each key was given: its line, SCENARIO_FROM_SET for --set, 0: not
     * given.  given[i] for params_table[i]; peer_given[p * params_count + i]
     * for peer p. */
    int *given;
    int *peer_given;
    size_t peer_cap;
    /* The [sweep] section, as written: what `offsim sweep` varies (io/sweep.h). */
    struct scenario_sweep_entry *sweep;
    size_t nsweep;
} scenario;

typedef struct scenario_sweep_entry {
    char *key;   /* "nic.fin_wait_2_timeout", or "seeds" / "jobs" */
    char *value; /* "30s..240s step 30s", "30s,60s", "5" */
    int line;
} scenario_sweep_entry;

#define SCENARIO_FROM_SET (-1)

/* Read and parse a file. */
int scenario_load(const char *path, scenario **out, sim_diag *d);

/* Parse text as if read from a file named `name` (tests, sweeps). */
int scenario_load_text(const char *name, const char *text, size_t len,
                       scenario **out, sim_diag *d);

/*
 * Apply "section.key=value" or "peer.NAME.key=value".  A key given in the
 * file is overridden.  Call scenario_resolve() afterwards.
 */
int scenario_set(scenario *sc, const char *assignment, sim_diag *d);

/* The same with the key ("nic.capacity", "peer.NAME.key") and value apart. */
int scenario_set_key(scenario *sc, const char *key, const char *value, sim_diag *d);

/* Presets, peer path defaults and the checks that involve several keys. */
int scenario_resolve(scenario *sc, sim_diag *d);

/* A deep copy (sweeps vary copies of one parsed file). */
int scenario_dup(const scenario *sc, scenario **out);

void scenario_free(scenario *sc);

/*
 * Every resolved key, defaults included, in table order then peer by peer:
 * key as on the command line ("nic.capacity", "peer.web.close_delay"), its
 * canonical value, and its number in SI base units (NULL when it has none).
 */
typedef void scenario_param_fn(void *arg, const char *key, const char *value,
                               const double *num);
void scenario_each_param(const scenario *sc, scenario_param_fn *fn, void *arg);

/*
 * The run identity: SHA-256 over the scenario text, every resolved key and
 * value, and the engine name, as 64 hex digits.  Equal identities mean the
 * same run (resume, merge).
 */
void scenario_identity(const scenario *sc, const char *engine, char out[65]);

/* The index of a peer class by name, or -1. */
int scenario_peer_index(const scenario *sc, const char *name);

/*
 * The parameter a command-line key names ("nic.capacity",
 * "peer.web.share"): *peer is the class index, -1 for other sections.
 * Returns NULL (with a message in err, UNITS_ERR_MAX bytes) when there is none.
 */
const param *scenario_key(const scenario *sc, const char *key, int *peer, char *err);

/* Where a key's value was given (peer: class index or -1): its file line,
 * SCENARIO_FROM_SET, or 0 (a default, a preset or the [link] section). */
int scenario_given(const scenario *sc, const param *p, int peer);

#endif /* SIM_IO_SCENARIO_H */
