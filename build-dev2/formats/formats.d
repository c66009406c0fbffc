build-dev2/formats/formats.o: formats/formats.c include/annoport/format.h \
 include/annoport/annoport.h include/annoport/model.h
