#!/usr/bin/env bash
# Cedar Falls nightly backup wrapper — called from root's crontab on srv01:
#   0 2 * * *  /usr/local/sbin/backup-wrapper.sh vm-dump
#   40 2 * * * /usr/local/sbin/backup-wrapper.sh etc-tar
# Values (target, schedule, retention) are documented in docs/backup.md.
set -euo pipefail

JOB="${1:?usage: backup-wrapper.sh <vm-dump|etc-tar>}"
TARGET_HOST="nas01.cf.lan"
TARGET_ROOT="/mnt/pve/nas01-backup"
RETENTION_DAYS=30
MAILTO="it-admin@cedarfalls.example.org"
LOG="/var/log/backup-${JOB}.log"

exec >>"$LOG" 2>&1
echo "=== $(date -Is) start ${JOB}"

if ! mountpoint -q "$TARGET_ROOT"; then
    echo "target ${TARGET_HOST}:${TARGET_ROOT} not mounted"
    mail -s "[cf backup] ${JOB} FAILED: target not mounted" "$MAILTO" <"$LOG"
    exit 1
fi

case "$JOB" in
    vm-dump)
        vzdump 101 102 103 --mode snapshot --compress zstd \
            --storage nas01-backup --mailnotification failure
        find "${TARGET_ROOT}/dump" -name 'vzdump-*' -mtime +"${RETENTION_DAYS}" -delete
        ;;
    etc-tar)
        dest="${TARGET_ROOT}/config/srv01-etc-$(date +%F).tar.zst"
        tar --zstd -cf "$dest" /etc
        scp -q backup@fw01.cf.lan:/conf/config.xml \
            "${TARGET_ROOT}/config/fw01-config-$(date +%F).xml"
        find "${TARGET_ROOT}/config" -type f -mtime +"${RETENTION_DAYS}" -delete
        ;;
    *)
        echo "unknown job ${JOB}"; exit 2 ;;
esac

echo "=== $(date -Is) done ${JOB}"
mail -s "[cf backup] ${JOB} OK" "$MAILTO" <"$LOG"
