build-dev2/src/manifest.o: src/manifest.c /usr/include/cjson/cJSON.h \
 src/internal.h include/annoport/annoport.h include/annoport/format.h \
 include/annoport/annoport.h include/annoport/model.h \
 include/annoport/model.h
