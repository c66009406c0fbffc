build-dev2/src/run.o: src/run.c src/sink.h include/annoport/run.h \
 include/annoport/annoport.h include/annoport/model.h src/internal.h \
 include/annoport/annoport.h include/annoport/format.h \
 include/annoport/model.h
