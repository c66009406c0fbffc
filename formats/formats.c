/*
 * formats.c: the table of every format annoport knows.
 *
 * Adding a format: write formats/NAME_read.c and/or NAME_write.c defining a
 * `const ap_format ap_format_NAME` (and its writer ops), add one line to the
 * table below, a small dataset in samples/NAME/ and tests/test_NAME.c.
 */
#include <string.h>

#include <annoport/format.h>

extern const ap_format ap_format_coco;
extern const ap_format ap_format_voc;
extern const ap_format ap_format_csv;
extern const ap_format ap_format_clarifai;
extern const ap_format ap_format_yolo;

const ap_format *const ap_formats[] = {
    &ap_format_coco,
    &ap_format_voc,
    &ap_format_csv,
    &ap_format_clarifai,
    &ap_format_yolo,
    NULL,
};

const ap_format *ap_format_find(const char *name)
{
    for (const ap_format *const *f = ap_formats; *f; f++)
        if (strcmp((*f)->name, name) == 0)
            return *f;
    return NULL;
}
