build-dev2/formats/clarifai_read.o: formats/clarifai_read.c \
 /usr/include/cjson/cJSON.h formats/../src/internal.h \
 include/annoport/annoport.h include/annoport/format.h \
 include/annoport/annoport.h include/annoport/model.h \
 include/annoport/model.h
