build-dev2/formats/yolo_write.o: formats/yolo_write.c \
 formats/../src/internal.h include/annoport/annoport.h \
 include/annoport/format.h include/annoport/annoport.h \
 include/annoport/model.h include/annoport/model.h
