/*
 * formats.c: the tables of every reader and writer annoport knows, in the
 * order help and probing list them.
 *
 * Adding a format: write formats/NAME_read.c defining `const ap_reader
 * ap_reader_NAME` and/or formats/NAME_write.c defining `const ap_writer
 * ap_writer_NAME` (each declares its own options), add its line to the
 * tables below, a small dataset in samples/NAME/ and tests/test_NAME.c.
 * The command line, help, completion, manual check and fuzz targets are
 * made from these tables.
 */
#include <string.h>

#include <annoport/format.h>

extern const ap_reader ap_reader_coco, ap_reader_voc, ap_reader_csv, ap_reader_clarifai,
    ap_reader_yolo;
extern const ap_writer ap_writer_clarifai, ap_writer_coco, ap_writer_voc, ap_writer_csv,
    ap_writer_yolo;

const ap_reader *const ap_readers[] = {
    &ap_reader_coco,
    &ap_reader_voc,
    &ap_reader_csv,
    &ap_reader_clarifai,
    &ap_reader_yolo,
    NULL,
};

const ap_writer *const ap_writers[] = {
    &ap_writer_clarifai,
    &ap_writer_coco,
    &ap_writer_voc,
    &ap_writer_csv,
    &ap_writer_yolo,
    NULL,
};

const ap_reader *ap_reader_find(const char *name)
{
    for (const ap_reader *const *r = ap_readers; *r; r++)
        if (strcmp((*r)->name, name) == 0)
            return *r;
    return NULL;
}

const ap_writer *ap_writer_find(const char *name)
{
    for (const ap_writer *const *w = ap_writers; *w; w++)
        if (strcmp((*w)->name, name) == 0)
            return *w;
    return NULL;
}
