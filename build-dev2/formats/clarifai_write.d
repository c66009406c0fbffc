build-dev2/formats/clarifai_write.o: formats/clarifai_write.c \
 /usr/include/cjson/cJSON.h formats/../src/internal.h \
 include/annoport/annoport.h include/annoport/format.h \
 include/annoport/annoport.h include/annoport/model.h \
 include/annoport/model.h
