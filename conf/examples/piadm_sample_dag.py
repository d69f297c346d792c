"""A daily piadm sampling job on YARN, with Airflow's SparkSubmitOperator (adapt paths, connection, sizes).

Needs apache-airflow-providers-apache-spark and an Airflow connection ``spark_yarn`` of type Spark with host
``yarn`` (spark-submit and HADOOP_CONF_DIR on the Airflow worker). piadm's jar: ``mvn -o package`` ->
target/piadm.jar.

Why retries are safe here:

* Every argument is templated from the *logical date* (``ds``), never from the time of the attempt, so each
  retry is the same configuration and writes the same output directory.
* ``--resume auto``: a retry after a failed or killed attempt continues from the attempt's last block
  checkpoint on HDFS (same configuration only; a checkpoint of another one is refused with the setting that
  differs), or starts fresh when there is none. YARN's own re-attempt of the ApplicationMaster
  (``spark.yarn.maxAppAttempts``) resumes the same way and takes over the claim of its earlier attempt.
* ``--if-exists skip``: a retry after the job had in fact finished (e.g. Airflow lost the task's state)
  exits 0 with "skipped: ..." and rewrites nothing.
* Two attempts at once (an old YARN application still running): the later one is refused at once (exit 2,
  naming the holder of the claim file beside the output) and the task retries after ``retry_delay``.
"""
from datetime import datetime, timedelta

from airflow import DAG
from airflow.providers.apache.spark.operators.spark_submit import SparkSubmitOperator

PIADM = "/opt/piadm-spark"

with DAG(
    dag_id="piadm_sample_daily",
    start_date=datetime(2025, 1, 1),
    schedule="0 2 * * *",
    catchup=False,
    max_active_runs=1,
    default_args={"retries": 3, "retry_delay": timedelta(minutes=10)},
    tags=["piadm"],
) as dag:
    SparkSubmitOperator(
        task_id="sample",
        conn_id="spark_yarn",
        deploy_mode="cluster",
        application=f"{PIADM}/target/piadm.jar",
        java_class="io.piadm.cli.Main",
        name="piadm-sample-{{ ds_nodash }}",
        files=f"{PIADM}/conf/log4j2.properties",
        conf={
            "spark.yarn.maxAppAttempts": "2",
            "spark.serializer": "org.apache.spark.serializer.KryoSerializer",
            "spark.kryo.registrationRequired": "true",
            "spark.kryo.registrator": "io.piadm.spark.PiadmKryoRegistrator",
            "spark.executor.memory": "2g",
            "spark.driver.memory": "2g",
            "spark.driver.maxResultSize": "2g",
            "spark.driver.extraJavaOptions": "-Dlog4j2.configurationFile=log4j2.properties",
            "spark.executor.extraJavaOptions": "-Dlog4j2.configurationFile=log4j2.properties",
        },
        application_args=[
            "sample",
            "--model", "gmm:d=16,k=4",
            "--sampler", "piadm-sde",
            "--samples", "100000",
            "--seed", "{{ ds_nodash }}",
            "--out", "hdfs:///user/piadm/runs/{{ ds }}",
            "--resume", "auto",
            "--if-exists", "skip",
        ],
    )
