build-dev2/src/context.o: src/context.c include/annoport/annoport.h
