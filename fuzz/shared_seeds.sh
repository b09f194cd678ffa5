#!/usr/bin/env bash
# shared_seeds.sh KIND DEST [REPLAY] — the seeds of the fuzz targets uai, evid and fg are the
# reference instances in ../shared/data ($ZSUM_SHARED/data; they are not copied into the
# repository): links those of KIND into the folder DEST (UAI 2014 PR models up to 64 KiB, the
# size run.sh lets libFuzzer grow inputs to, and their evidence files; libDAI's .fg files), then
# with REPLAY runs that replay driver on DEST. Exit 77 with a message when ../shared/data is absent.
set -euo pipefail
KIND=$1 DEST=$2
HERE=$(cd "$(dirname "$0")" && pwd)
DATA=${ZSUM_SHARED:-$HERE/../../shared}/data
case $KIND in
  uai)  DIR=$DATA/uai2014-pr PAT='*.uai' ;;
  evid) DIR=$DATA/uai2014-pr PAT='*.evid' ;;
  fg)   DIR=$DATA/libdai PAT='*.fg' ;;
  *)    echo "shared_seeds.sh: no shared seeds for '$KIND' (uai, evid, fg)" >&2; exit 2 ;;
esac
if [ ! -d "$DIR" ]; then
  echo "SKIP: $DIR is absent (reference data lives in ../shared); the $KIND seeds come from there"
  exit 77
fi
rm -rf "$DEST" && mkdir -p "$DEST"
find "$DIR" -maxdepth 1 -name "$PAT" -size -65537c -exec ln -s {} "$DEST/" \;
echo "shared_seeds.sh: $(find "$DEST" -mindepth 1 | wc -l) $KIND seeds from $DIR in $DEST"
[ $# -lt 3 ] || exec "$3" "$DEST"
