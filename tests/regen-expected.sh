#!/bin/sh
# Rewrites samples/expected/ with the commands that tests/test_samples.c
# checks. Run it after a change that is meant to change the output, and read
# the diff before committing it.
set -e
cd "$(dirname "$0")/.."
rm -rf samples/expected/coco samples/expected/coco-both samples/expected/voc* samples/expected/csv-* samples/expected/yolo
A=--quiet
./annoport convert samples/coco/instances.json -o samples/expected/coco $A
./annoport convert samples/coco/instances.json -o samples/expected/coco-both $A --geometry both --annotation-ids hash --user-app-id me/my-app --status success --embed-model-version-id bb186755eda04f9cbb6fe32e816be104 --batch-size 3
./annoport convert samples/voc -o samples/expected/voc $A
./annoport convert samples/voc -o samples/expected/voc-split --split train --voc-edges clarifai-sdk $A
./annoport convert samples/voc -o samples/expected/voc-images --images samples/voc/JPEGImages --skip-difficult $A
./annoport convert samples/csv/tfod.csv -o samples/expected/csv-tfod $A
./annoport convert samples/csv/automl.csv -o samples/expected/csv-automl $A
./annoport convert samples/csv/classification.csv -o samples/expected/csv-classification $A
./annoport convert samples/csv/generic.csv -o samples/expected/csv-generic --csv-dialect generic --columns image=img,width=w,height=h,xmin=x1,ymin=y1,xmax=x2,ymax=y2,label=cls $A
./annoport convert samples/yolo -o samples/expected/yolo $A
rm -rf samples/expected/export-*
./annoport convert samples/expected/coco-both --to coco -o samples/expected/export-coco $A
./annoport convert samples/expected/voc-images --to voc -o samples/expected/export-voc $A
./annoport convert samples/expected/csv-tfod --to csv -o samples/expected/export-csv $A
./annoport convert samples/expected/csv-automl --to csv --csv-dialect automl -o samples/expected/export-csv-automl $A
./annoport convert samples/clarifai/annotations-page.json --inputs samples/clarifai/inputs-page.json --include-model-annotations --to yolo -o samples/expected/export-yolo $A
