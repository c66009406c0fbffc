/*
 * clarifai_inputs.h: the bodies that create the inputs (convert
 * --create-inputs), for the Clarifai writer (clarifai_write.c). Not part
 * of the public API.
 */
#ifndef ANNOPORT_CLARIFAI_INPUTS_H
#define ANNOPORT_CLARIFAI_INPUTS_H

#include <stdio.h>

#include "../src/internal.h"

/* The API's limits on a PostInputsRequest. */
#define AP_INPUTS_PER_REQUEST 128
#define AP_INPUT_MAX_IMAGE (20u * 1024 * 1024)       /* bytes of one image */
#define AP_INPUTS_MAX_REQUEST (128u * 1024 * 1024)   /* a body is less than this */

typedef struct ap_post_inputs ap_post_inputs;

/* The --create-inputs parser (an AP_OPT_PARSE option): url:PREFIX, PREFIX
 * an absolute http(s) URL with nothing left to percent-encode, or bytes. */
int ap_post_inputs_parse(ap_context *ctx, void *field, const char *arg);

/* Starts the inputs of a run: mode is the --create-inputs value, dataset_id
 * NULL or the --dataset-id value; labels_on_inputs puts image-level labels
 * in the inputs' data.concepts. Checks what the mode needs (--images DIR
 * for bytes). NULL with the error set. */
ap_post_inputs *ap_post_inputs_open(ap_context *ctx, ap_output *out, const char *mode,
                                    const char *dataset_id, int labels_on_inputs);

/* The writer sees annotation a. *taken is set when the inputs took it
 * whole (an image-level label, now in the input's concepts). Returns
 * AP_OK (write it, or it was taken), AP_ABSORBED when it is not written (its
 * image cannot be sent: counted as read and rejected here; or a label its
 * input has already), or an error. */
int ap_post_inputs_add(ap_post_inputs *pi, const ap_annotation *a, int *taken);

/* At the end of a run: writes requests/post-inputs-NNNNNN.json for every
 * input an annotation was written for (in the input table's order), and
 * appends the rejects found on the way to rejects.jsonl. */
int ap_post_inputs_write(ap_post_inputs *pi, const ap_run_info *info);

/* The manifest's $.requests entries of the files written, each as
 * "\n\t\t{...}", separated by commas (the caller puts one after the
 * last when more entries follow). */
void ap_post_inputs_list(const ap_post_inputs *pi, FILE *f);
size_t ap_post_inputs_files(const ap_post_inputs *pi);

void ap_post_inputs_free(ap_post_inputs *pi);

/* "user_app_id":{...}, for --user-app-id, at the start of any request body
 * (the inputs bodies and the annotation bodies). */
void ap_clarifai_user_app(ap_buf *b, const ap_options *o);

#endif
