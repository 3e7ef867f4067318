# PgBouncer from Debian, the same package CI tests against (.ci/run), for the compose
# file's `scale` profile. It refuses to run as root, so it runs as Debian's postgres user.
FROM debian:bookworm-slim
RUN apt-get update && DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends pgbouncer \
    && rm -rf /var/lib/apt/lists/* && chown -R postgres:postgres /etc/pgbouncer
COPY pgbouncer.ini /etc/pgbouncer/pgbouncer.ini
USER postgres
EXPOSE 6432
# The auth file from the passwords compose passes in, then PgBouncer in the foreground.
CMD ["sh", "-c", "printf '\"serviceflow\" \"%s\"\\n\"serviceflow_api\" \"%s\"\\n' \"$POSTGRES_PASSWORD\" \"$APP_DB_PASSWORD\" > /etc/pgbouncer/userlist.txt && exec pgbouncer /etc/pgbouncer/pgbouncer.ini"]
