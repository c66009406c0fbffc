build-dev2/formats/coco_write.o: formats/coco_write.c \
 formats/../src/internal.h include/annoport/annoport.h \
 include/annoport/format.h include/annoport/annoport.h \
 include/annoport/model.h include/annoport/model.h
