build-dev2/formats/csv_read.o: formats/csv_read.c \
 formats/../src/internal.h include/annoport/annoport.h \
 include/annoport/format.h include/annoport/annoport.h \
 include/annoport/model.h include/annoport/model.h
