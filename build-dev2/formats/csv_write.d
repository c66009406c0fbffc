build-dev2/formats/csv_write.o: formats/csv_write.c \
 formats/../src/internal.h include/annoport/annoport.h \
 include/annoport/format.h include/annoport/annoport.h \
 include/annoport/model.h include/annoport/model.h
