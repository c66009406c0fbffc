/*
 * test_main.c: the CUnit runner. One suite per module; the process exits
 * non-zero when any assertion fails.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <unistd.h>

#include <CUnit/Basic.h>

extern CU_TestInfo normalize_tests[];
extern CU_TestInfo ids_tests[];
extern CU_TestInfo batch_tests[];
extern CU_TestInfo coco_tests[];
extern CU_TestInfo writer_tests[];
extern CU_TestInfo cli_tests[];
extern CU_TestInfo formats_tests[];
extern CU_TestInfo corpus_tests[];
extern CU_TestInfo samples_tests[];
extern CU_TestInfo voc_tests[];
extern CU_TestInfo csv_tests[];
extern CU_TestInfo yolo_tests[];
extern CU_TestInfo input_tests[];
extern CU_TestInfo export_tests[];
extern CU_TestInfo requests_tests[];
extern CU_TestInfo diff_tests[];
extern CU_TestInfo hardening_tests[];
extern CU_TestInfo install_tests[];
extern CU_TestInfo fastpath_tests[];
extern CU_TestInfo store_tests[];
extern CU_TestInfo inputs_bodies_tests[];
extern CU_TestInfo send_tests[];

static CU_SuiteInfo suites[] = {
    {"normalize", NULL, NULL, NULL, NULL, normalize_tests},
    {"ids", NULL, NULL, NULL, NULL, ids_tests},
    {"store", NULL, NULL, NULL, NULL, store_tests},
    {"batch", NULL, NULL, NULL, NULL, batch_tests},
    {"coco", NULL, NULL, NULL, NULL, coco_tests},
    {"writer", NULL, NULL, NULL, NULL, writer_tests},
    {"cli", NULL, NULL, NULL, NULL, cli_tests},
    {"formats", NULL, NULL, NULL, NULL, formats_tests},
    {"voc", NULL, NULL, NULL, NULL, voc_tests},
    {"csv", NULL, NULL, NULL, NULL, csv_tests},
    {"yolo", NULL, NULL, NULL, NULL, yolo_tests},
    {"input", NULL, NULL, NULL, NULL, input_tests},
    {"export", NULL, NULL, NULL, NULL, export_tests},
    {"requests", NULL, NULL, NULL, NULL, requests_tests},
    {"diff", NULL, NULL, NULL, NULL, diff_tests},
    {"hardening", NULL, NULL, NULL, NULL, hardening_tests},
    {"install", NULL, NULL, NULL, NULL, install_tests},
    {"samples", NULL, NULL, NULL, NULL, samples_tests},
    {"corpus", NULL, NULL, NULL, NULL, corpus_tests},
    {"fastpath", NULL, NULL, NULL, NULL, fastpath_tests},
    {"inputs_bodies", NULL, NULL, NULL, NULL, inputs_bodies_tests},
    {"send", NULL, NULL, NULL, NULL, send_tests},
    CU_SUITE_INFO_NULL,
};

int main(int argc, char **argv)
{
    if (CU_initialize_registry() != CUE_SUCCESS)
        return 2;
    if (CU_register_suites(suites) != CUE_SUCCESS) {
        fprintf(stderr, "cannot register suites: %s\n", CU_get_error_msg());
        CU_cleanup_registry();
        return 2;
    }
    CU_basic_set_mode(CU_BRM_NORMAL);
    const char *shared = getenv("AP_SHARED");
    char probe[4096];
    snprintf(probe, sizeof probe, "%s/tools/check_requests.py", shared && *shared ? shared : "../shared");
    if (access(probe, R_OK) != 0)
        fprintf(stderr, "test_annoport: %s is missing: the suites that check outputs and read "
                "the corpus will fail; point to the shared folder with AP_SHARED=DIR (make "
                "test SHARED=DIR)\n", probe);
    if (argc > 1) { /* run one suite by name */
        CU_pSuite s = CU_get_suite(argv[1]);
        if (!s) {
            fprintf(stderr, "no suite %s\n", argv[1]);
            CU_cleanup_registry();
            return 2;
        }
        CU_basic_run_suite(s);
    } else {
        CU_basic_run_tests();
    }
    unsigned run = CU_get_number_of_tests_run();
    unsigned failed = CU_get_number_of_tests_failed();
    unsigned asserts = CU_get_number_of_failures();
    CU_cleanup_registry();
    printf("\n%u passed, %u failed\n", run - failed, failed);
    return failed || asserts ? 1 : 0;
}
