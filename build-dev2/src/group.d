build-dev2/src/group.o: src/group.c src/internal.h \
 include/annoport/annoport.h include/annoport/format.h \
 include/annoport/annoport.h include/annoport/model.h \
 include/annoport/model.h
