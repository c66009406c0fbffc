build-dev2/src/diff.o: src/diff.c /usr/include/cjson/cJSON.h \
 include/annoport/run.h include/annoport/annoport.h \
 include/annoport/model.h src/internal.h include/annoport/annoport.h \
 include/annoport/format.h include/annoport/model.h
