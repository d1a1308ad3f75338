/* The disk's rate of synced writes: pwrite 4 KiB at offset 0, then fdatasync, as a database commit
   does; prints one JSON line. Usage: fsync_rate DIRECTORY [SECONDS] */
#define _GNU_SOURCE
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "monotonic.h"

int main(int argc, char **argv) {
    const char *directory = argc > 1 ? argv[1] : ".";
    double seconds = argc > 2 ? atof(argv[2]) : 3.0;
    char path[4096];
    snprintf(path, sizeof path, "%s/fsync-rate-%d", directory, (int)getpid());
    int descriptor = open(path, O_CREAT | O_WRONLY | O_TRUNC, 0644);
    if (descriptor < 0) { perror(path); return 1; }
    char block[4096];
    memset(block, 7, sizeof block);
    long count = 0;
    double started = now(), elapsed = 0;
    while (elapsed < seconds) {
        if (pwrite(descriptor, block, sizeof block, 0) != sizeof block || fdatasync(descriptor) != 0) {
            perror("write");
            return 1;
        }
        count++;
        if (count % 64 == 0) elapsed = now() - started;
    }
    elapsed = now() - started;
    close(descriptor);
    unlink(path);
    printf("{\"peer\": \"fdatasync (C, 4 KiB pwrite + fdatasync)\", \"value\": %.1f, \"unit\": \"syncs/s\", "
           "\"count\": %ld, \"seconds\": %.3f}\n", count / elapsed, count, elapsed);
    return 0;
}
