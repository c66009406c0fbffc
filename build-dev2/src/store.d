build-dev2/src/store.o: src/store.c src/internal.h \
 include/annoport/annoport.h include/annoport/format.h \
 include/annoport/annoport.h include/annoport/model.h \
 include/annoport/model.h
