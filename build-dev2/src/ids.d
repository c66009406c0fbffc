build-dev2/src/ids.o: src/ids.c src/internal.h \
 include/annoport/annoport.h include/annoport/format.h \
 include/annoport/annoport.h include/annoport/model.h \
 include/annoport/model.h
