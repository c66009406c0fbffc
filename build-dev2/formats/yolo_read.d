build-dev2/formats/yolo_read.o: formats/yolo_read.c \
 /usr/include/cjson/cJSON.h formats/../src/internal.h \
 include/annoport/annoport.h include/annoport/format.h \
 include/annoport/annoport.h include/annoport/model.h \
 include/annoport/model.h
