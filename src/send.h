/*
 * send.h: annoport send, an output's requests to the Clarifai API.
 *
 * ap_send reads a convert output or a diff plan (folder or zip), sends its
 * request files in the manifest's order with libcurl, keeps a journal of
 * what the API acknowledged beside the output, and accounts for every item
 * (succeeded, refused with its code, or unknown). It does not print: the
 * CLI prints the result. The token is only ever put in the request header.
 */
#ifndef ANNOPORT_SEND_H
#define ANNOPORT_SEND_H

#include <stdint.h>

#include <annoport/annoport.h>

#define AP_ETEMPFAIL 75  /* retries exhausted or interrupted with work left */
#define AP_ENOPERM 77    /* the token was refused */

typedef struct ap_send_options {
    const char *output;      /* a convert output or a diff plan: folder or .zip */
    const char *user_app;    /* "USER/APP", or NULL: the bodies' user_app_id */
    const char *api_base;    /* NULL: https://api.clarifai.com */
    const char *token;       /* the personal access token */
    int jobs;                /* requests in flight (default 4) */
    int max_retries;         /* attempts after the first (default 8) */
    double timeout;          /* seconds a request may take (default 60) */
    double poll_interval;    /* seconds between inputs-add job polls (default 1) */
    double backoff;          /* the first retry's delay in seconds (default 0.5) */
    int resume;              /* go on from the journal */
    int dry_run;             /* check and list, send nothing */
    /* --dry-run: called for each request file in order */
    void (*on_plan)(void *user, const char *method, const char *path, const char *file,
                    int items);
    void *plan_user;
} ap_send_options;

#define AP_SEND_CODES 32
typedef struct ap_send_result {
    uint64_t files;          /* request files in the manifest */
    uint64_t items;          /* items in them */
    uint64_t acknowledged;   /* items the journal held already (--resume) */
    uint64_t requests;       /* HTTP requests made (polls and retries included) */
    uint64_t retried;        /* of them, retries */
    uint64_t sent;           /* items sent this run */
    uint64_t succeeded;      /* items applied (this run and before) */
    uint64_t failed;         /* items refused for good */
    uint64_t unknown;        /* items whose fate cannot be known */
    uint64_t left;           /* items not acknowledged (retries exhausted,
                                interrupted, token refused) */
    uint64_t no_id_posts;    /* post bodies whose annotations carry no id */
    int codes[AP_SEND_CODES];        /* the failed items per status code */
    uint64_t code_counts[AP_SEND_CODES];
    size_t ncodes;
    double seconds;
    char user_app[256];
    char journal[4096], failures[4096];
} ap_send_result;

/* Sends; AP_OK when every item is applied, AP_EDATA when some were refused
 * for good or are unknown, AP_ETEMPFAIL, AP_ENOPERM, AP_EUSAGE, AP_ENOINPUT
 * or AP_EIO (with ctx's message set). Progress through ctx. */
int ap_send(ap_context *ctx, const ap_send_options *o, ap_send_result *r);

#endif
